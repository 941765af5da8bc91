package org.ncj.scale;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.ncj.DType;
import org.ncj.accumulate.Agreement;
import org.ncj.accumulate.Classifier;
import org.ncj.accumulate.CovarAccumulator;
import org.ncj.accumulate.Covariance;
import org.ncj.accumulate.DecAccumulator;
import org.ncj.accumulate.MeanAccumulator;
import org.ncj.accumulate.Means;
import org.ncj.accumulate.VarNormAccumulator;
import org.ncj.accumulate.VarNorms;
import org.ncj.backend.Backend;
import org.ncj.measure.MetricSet;
import org.ncj.measure.Statistics;

/**
 * End-to-end run in the LLM-vocabulary regime: K classes with Zipf-distributed counts (many
 * absent), every measure through {@link MetricSet}, printing the time of each phase, the JVM's
 * peak heap and (on CUDA) the device memory in use. Not a unit test: a benchmark main.
 *
 * <pre>java ... org.ncj.scale.ScaleRun BACKEND K D N [BATCH]</pre>
 */
public final class ScaleRun {
    private ScaleRun() {
    }

    public static void main(String[] args) throws Exception {
        String backendName = args.length > 0 ? args[0] : "auto";
        int k = args.length > 1 ? Integer.parseInt(args[1]) : 50257;
        int d = args.length > 2 ? Integer.parseInt(args[2]) : 1024;
        int n = args.length > 3 ? Integer.parseInt(args[3]) : 262144;
        int batch = args.length > 4 ? Integer.parseInt(args[4]) : 16384;
        Map<String, Double> seconds = new LinkedHashMap<>();
        Runtime rt = Runtime.getRuntime();
        long peakHeap = 0;
        try (Backend backend = Backend.byName(backendName)) {
            System.out.printf("scale run: %s, K=%d, D=%d, N=%d, batch %d, Zipf(1.1) labels%n", backend.description(), k, d, n, batch);
            // Zipf(1.1) over classes by inverse CDF; class c gets a mean offset so classes differ.
            double[] cdf = new double[k];
            double z = 0;
            for (int c = 0; c < k; c++) {
                z += 1 / Math.pow(c + 1, 1.1);
                cdf[c] = z;
            }
            SplittableRandom r = new SplittableRandom(42);
            int[] y = new int[n];
            for (int i = 0; i < n; i++) {
                int c = Arrays.binarySearch(cdf, r.nextDouble() * z);
                y[i] = Math.min(k - 1, c < 0 ? -c - 1 : c);
            }
            float[] dir = new float[d];
            float[] x = new float[Math.multiplyExact(n, d)];
            for (int i = 0; i < n; i++) {
                SplittableRandom cr = new SplittableRandom(y[i] * 7919L);
                for (int j = 0; j < d; j++) {
                    dir[j] = (float) cr.nextGaussian();
                }
                for (int j = 0; j < d; j++) {
                    x[i * d + j] = 2 * dir[j] + (float) r.nextGaussian();
                }
            }
            long t = System.nanoTime();
            Means means;
            try (MeanAccumulator acc = new MeanAccumulator(k, d, backend, DType.FLOAT32)) {
                stream(x, y, d, batch, acc::accumulate);
                means = acc.compute();
            }
            seconds.put("means", lap(t));
            peakHeap = Math.max(peakHeap, rt.totalMemory() - rt.freeMemory());
            System.out.printf("classes: %d of %d present (%d dropped)%n", means.numSelected(), k, means.dropped().length);
            t = System.nanoTime();
            Covariance sw;
            VarNorms vn;
            try (CovarAccumulator cov = new CovarAccumulator(backend, means);
                 VarNormAccumulator var = new VarNormAccumulator(backend, means)) {
                stream(x, y, d, batch, (bx, by) -> {
                    cov.accumulate(bx, by);
                    var.accumulate(bx, by);
                });
                sw = cov.compute();
                vn = var.compute();
            }
            seconds.put("covariance + variance norms", lap(t));
            peakHeap = Math.max(peakHeap, rt.totalMemory() - rt.freeMemory());
            double[] w = new double[k * d];
            for (int c = 0; c < k; c++) {
                SplittableRandom cr = new SplittableRandom(c * 7919L);
                for (int j = 0; j < d; j++) {
                    w[c * d + j] = cr.nextGaussian();
                }
            }
            Classifier cl = Classifier.of(w, k, d);
            t = System.nanoTime();
            Agreement agreement;
            int nTest = Math.min(n, 16384);
            try (DecAccumulator dec = new DecAccumulator(backend, means, cl)) {
                stream(Arrays.copyOf(x, nTest * d), Arrays.copyOf(y, nTest), d, batch, dec::accumulate);
                agreement = dec.compute();
            }
            seconds.put("decisions (" + nTest + " rows)", lap(t));
            t = System.nanoTime();
            Map<String, Double> metrics = MetricSet.compute(backend,
                    Statistics.of(means).withWithinClass(sw, vn).withClassifier(cl).withAgreement(agreement),
                    MetricSet.Options.DEFAULT);
            seconds.put("measures (NC1 eig, pairwise dist/log/riesz/cdnv/cosine, ETF, NC3)", lap(t));
            peakHeap = Math.max(peakHeap, rt.totalMemory() - rt.freeMemory());
            metrics.forEach((name, v) -> System.out.printf("  %-22s %.6g%n", name, v));
            seconds.forEach((phase, s) -> System.out.printf("time %-70s %8.2f s%n", phase, s));
            System.out.printf("peak JVM heap in use (sampled after each phase): %.2f GiB of %.2f GiB max%n", peakHeap / 1073741824.0,
                    rt.maxMemory() / 1073741824.0);
            if (backend instanceof org.ncj.backend.cuda.CudaBackend cuda) {
                long[] mem = cuda.memoryInfo();
                System.out.printf("device memory in use at the end: %.2f GiB of %.2f GiB%n", (mem[1] - mem[0]) / 1073741824.0,
                        mem[1] / 1073741824.0);
            }
        }
    }

    interface Sink {
        void accept(float[] x, int[] y);
    }

    static void stream(float[] x, int[] y, int d, int batch, Sink sink) {
        for (int r0 = 0; r0 < y.length; r0 += batch) {
            int r1 = Math.min(y.length, r0 + batch);
            sink.accept(Arrays.copyOfRange(x, r0 * d, r1 * d), Arrays.copyOfRange(y, r0, r1));
        }
    }

    static double lap(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
