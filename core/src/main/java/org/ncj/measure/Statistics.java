package org.ncj.measure;

import java.util.Objects;

import org.ncj.accumulate.Agreement;
import org.ncj.accumulate.Classifier;
import org.ncj.accumulate.Covariance;
import org.ncj.accumulate.Means;
import org.ncj.accumulate.VarNorms;

/**
 * What the measures of an analysis are computed from ({@link MetricSet#compute}): the class means,
 * and each further statistic only where the inputs gave it. A missing part leaves out the measures
 * that need it; the accessors say which are present.
 *
 * @param means      class means (always)
 * @param sw         Σ_W, or null: no nc1_pinv, nc1_svd, nc1_quot
 * @param varNorms   variance norms, or null: no nc1_cdnv
 * @param classifier last-layer weights (and bias), or null: no NC3 and no nc2_equinorm_weights
 * @param agreement  classifier and nearest-class-centre decisions on an evaluation set, or null: no nc4_agree
 * @param oodMean    global mean of out-of-distribution embeddings, or null: no nc5_ood_dev
 */
public record Statistics(Means means, Covariance sw, VarNorms varNorms, Classifier classifier, Agreement agreement,
                         double[] oodMean) {
    public Statistics {
        Objects.requireNonNull(means, "means");
    }

    /** The class means alone (NC2 on the means). */
    public static Statistics of(Means means) {
        return new Statistics(means, null, null, null, null, null);
    }

    /** With Σ_W and the variance norms (NC1). */
    public Statistics withWithinClass(Covariance sigmaW, VarNorms norms) {
        return new Statistics(means, sigmaW, norms, classifier, agreement, oodMean);
    }

    /** With the last layer (NC3, nc2_equinorm_weights). */
    public Statistics withClassifier(Classifier c) {
        return new Statistics(means, sw, varNorms, c, agreement, oodMean);
    }

    /** With the decisions on an evaluation set (NC4). */
    public Statistics withAgreement(Agreement a) {
        return new Statistics(means, sw, varNorms, classifier, a, oodMean);
    }

    /** With the OOD global mean (NC5). */
    public Statistics withOodMean(double[] mean) {
        return new Statistics(means, sw, varNorms, classifier, agreement, mean);
    }
}
