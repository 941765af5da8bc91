package org.ncj.measure;

import java.util.LinkedHashMap;
import java.util.Map;

import org.ncj.accumulate.Agreement;
import org.ncj.accumulate.Classifier;
import org.ncj.accumulate.Covariance;
import org.ncj.accumulate.Means;
import org.ncj.accumulate.VarNorms;
import org.ncj.backend.Backend;
import org.ncj.kernels.PairKernel;

/**
 * Every scalar measure that the given statistics allow, under the names of {@code docs/METRICS.md}
 * ({@code nc1_pinv}, ..., {@code nc5_ood_dev}), in a fixed order.
 */
public final class MetricSet {
    private MetricSet() {
    }

    /**
     * Options of the measures that take any.
     *
     * @param tileSize pairwise tile size, or {@link #AUTO_TILE} for the tuned one ({@link Tuning})
     */
    public record Options(int tileSize, double distExp, double logExponent, boolean weightedAgreement) {
        /** Use the tile the tuning table gives for this backend and shape ({@link Tuning#tileSize}). */
        public static final int AUTO_TILE = 0;
        public static final Options DEFAULT = new Options(AUTO_TILE, 1.0, -1.0, true);

        public Options {
            if (tileSize < 0) {
                throw new IllegalArgumentException("tileSize must be >= 1 (or 0 for the tuned size), got " + tileSize);
            }
        }

        public Options withTileSize(int t) {
            return new Options(t, distExp, logExponent, weightedAgreement);
        }
    }

    /**
     * @param sw         Σ_W, or null to skip nc1_pinv/svd/quot
     * @param vn         variance norms, or null to skip nc1_cdnv
     * @param classifier weights (and bias), or null to skip NC3 and nc2_equinorm_weights
     * @param agreement  decisions on an evaluation set, or null to skip nc4_agree
     * @param oodMean    global mean of out-of-distribution embeddings, or null to skip nc5_ood_dev
     */
    public static Map<String, Double> compute(Backend backend, Means m, Covariance sw, VarNorms vn, Classifier classifier,
                                              Agreement agreement, double[] oodMean, Options o) {
        Map<String, Double> r = new LinkedHashMap<>();
        int t = o.tileSize() == Options.AUTO_TILE ? Tuning.tileSize(backend, m.numSelected(), m.dim()) : o.tileSize();
        if (sw != null) {
            r.put("nc1_pinv", Measures.covariancePinv(sw, m, backend));
            r.put("nc1_svd", Measures.covarianceSvd(sw, m, backend));
            r.put("nc1_quot", Measures.covarianceQuotient(sw, m));
        }
        if (vn != null) {
            r.put("nc1_cdnv", Measures.variabilityCdnv(vn, m, o.distExp(), t, backend));
        }
        r.put("nc2_etf_err", Measures.simplexEtfError(m, backend));
        r.put("nc2_equinorm_means", Measures.equinormMeans(m));
        if (classifier != null) {
            r.put("nc2_equinorm_weights", Measures.equinormWeights(classifier, m));
        }
        r.put("nc2_equiangle_std", Measures.equiangleStd(m, t, backend));
        r.put("nc2_maxangle", Measures.maxAngle(m, t, backend));
        for (PairKernel k : new PairKernel[] {new PairKernel.Dist(), new PairKernel.Log(o.logExponent()),
                PairKernel.Riesz.forDimension(m.dim())}) {
            KernelStats s = Measures.kernelStats(m, k, t, backend);
            r.put("nc2g_" + k.name() + "_mean", s.mean());
            r.put("nc2g_" + k.name() + "_var", s.variance());
        }
        if (classifier != null) {
            r.put("nc3_dual_err", Measures.selfDualityError(classifier, m, backend));
            r.put("nc3u_uni_dual", Measures.uniformDuality(classifier, m));
        }
        if (agreement != null) {
            r.put("nc4_agree", Measures.clfNccAgreement(agreement, o.weightedAgreement(), null));
        }
        if (oodMean != null) {
            r.put("nc5_ood_dev", Measures.orthogonalityDeviation(m, oodMean));
        }
        return r;
    }
}
