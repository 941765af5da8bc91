package org.ncj.golden;

import java.util.Arrays;
import java.util.Map;

import org.ncj.DType;
import org.ncj.accumulate.Agreement;
import org.ncj.accumulate.Classifier;
import org.ncj.accumulate.CovarAccumulator;
import org.ncj.accumulate.DecAccumulator;
import org.ncj.accumulate.MeanAccumulator;
import org.ncj.accumulate.Means;
import org.ncj.accumulate.VarNormAccumulator;
import org.ncj.accumulate.VarNorms;
import org.ncj.accumulate.Covariance;
import org.ncj.backend.Backend;
import org.ncj.measure.MetricSet;
import org.ncj.testutil.Golden;

/** The Python package's README pipeline on one golden case, streamed in batches of 512. */
public record GoldenPipeline(Means means, Covariance sw, VarNorms vn, Agreement agreement, Means ood, Classifier classifier,
                      Map<String, Double> metrics) {
    static final int BATCH = 512;

    public static GoldenPipeline run(Golden g, Backend backend, DType dtype) {
        int k = g.k();
        int d = g.d();
        Means means;
        try (MeanAccumulator acc = new MeanAccumulator(k, d, backend, dtype)) {
            stream(g.trainX(), g.trainY(), d, acc::accumulate);
            means = acc.compute();
        }
        Covariance sw;
        VarNorms vn;
        try (CovarAccumulator cov = new CovarAccumulator(backend, means);
             VarNormAccumulator var = new VarNormAccumulator(backend, means)) {
            stream(g.trainX(), g.trainY(), d, (x, y) -> {
                cov.accumulate(x, y, means);
                var.accumulate(x, y, means);
            });
            sw = cov.compute();
            vn = var.compute();
        }
        Classifier w = Classifier.of(g.weights(), k, d);
        Agreement agreement;
        try (DecAccumulator dec = new DecAccumulator(backend, means, w)) {
            stream(g.testX(), g.testY(), d, dec::accumulate);
            agreement = dec.compute();
        }
        Means ood;
        try (MeanAccumulator acc = new MeanAccumulator(k, d, backend, dtype)) {
            stream(g.oodX(), g.oodY(), d, acc::accumulate);
            ood = acc.compute();
        }
        Map<String, Double> metrics = MetricSet.compute(backend, means, sw, vn, w, agreement, ood.globalMean(),
                MetricSet.Options.DEFAULT);
        return new GoldenPipeline(means, sw, vn, agreement, ood, w, metrics);
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
