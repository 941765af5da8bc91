package org.ncj.golden;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Map;

import org.ncj.DType;
import org.ncj.accumulate.Agreement;
import org.ncj.accumulate.Classifier;
import org.ncj.accumulate.Covariance;
import org.ncj.accumulate.Means;
import org.ncj.accumulate.VarNorms;
import org.ncj.analysis.Analysis;
import org.ncj.backend.Backend;
import org.ncj.testutil.Golden;

/**
 * One golden case through the library's {@link Analysis} (two passes, batches of 512): the
 * evaluation set, the classifier and the labelled OOD set of the Python package's README.
 */
public record GoldenPipeline(Means means, Covariance sw, VarNorms vn, Agreement agreement, Means ood, Classifier classifier,
                      Map<String, Double> metrics) {
    static final int BATCH = 512;

    public static GoldenPipeline run(Golden g, Backend backend, DType dtype) {
        int k = g.k();
        int d = g.d();
        Classifier w = Classifier.of(g.weights(), k, d);
        try (Analysis a = Analysis.builder().backend(backend).dtype(dtype).batchRows(BATCH).build()) {
            Analysis.Result r = a.run(Analysis.Inputs.train(Analysis.Data.of("train_x", g.trainX(), d, "train_y", g.trainY()))
                    .withClasses(k).withClassifier(w)
                    .withTest(Analysis.Data.of("test_x", g.testX(), d, "test_y", g.testY()))
                    .withOod(Analysis.Data.of("ood_x", g.oodX(), d, "ood_y", g.oodY())));
            return new GoldenPipeline(r.means(), r.sw(), r.varNorms(), r.agreement(), r.oodMeans(), w, r.metrics().asMap());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public interface BatchSink {
        void accept(float[] x, int[] y);
    }

    public static void stream(float[] x, int[] y, int d, BatchSink sink) {
        for (int r0 = 0; r0 < y.length; r0 += BATCH) {
            int r1 = Math.min(y.length, r0 + BATCH);
            sink.accept(Arrays.copyOfRange(x, r0 * d, r1 * d), Arrays.copyOfRange(y, r0, r1));
        }
    }
}
