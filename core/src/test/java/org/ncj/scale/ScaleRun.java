package org.ncj.scale;

import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

import org.ncj.DType;
import org.ncj.accumulate.Classifier;
import org.ncj.accumulate.Means;
import org.ncj.analysis.Analysis;
import org.ncj.analysis.ProgressListener;
import org.ncj.backend.Backend;

/**
 * End-to-end run in the LLM-vocabulary regime: K classes with Zipf-distributed counts (many
 * absent), analysed by {@link Analysis} (every measure), printing the time of each phase, the JVM's
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
            double[] w = new double[k * d];
            for (int c = 0; c < k; c++) {
                SplittableRandom cr = new SplittableRandom(c * 7919L);
                for (int j = 0; j < d; j++) {
                    w[c * d + j] = cr.nextGaussian();
                }
            }
            Classifier cl = Classifier.of(w, k, d);
            int nTest = Math.min(n, 16384);
            // The heap in use is sampled as each phase ends.
            long[] peak = {0};
            ProgressListener heap = (phase, total, unit) -> new ProgressListener.Phase() {
                @Override
                public void advance(long done) {
                }

                @Override
                public void close() {
                    peak[0] = Math.max(peak[0], rt.totalMemory() - rt.freeMemory());
                }
            };
            Analysis.Result result;
            try (Analysis a = Analysis.builder().backend(backend).dtype(DType.FLOAT32).batchRows(batch).progress(heap).build()) {
                result = a.run(Analysis.Inputs.train(Analysis.Data.of("x", x, d, "y", y)).withClasses(k).withClassifier(cl)
                        .withTest(Analysis.Data.of("test_x", Arrays.copyOf(x, nTest * d), d, "test_y", Arrays.copyOf(y, nTest))));
            }
            peakHeap = Math.max(peak[0], rt.totalMemory() - rt.freeMemory());
            Means means = result.means();
            System.out.printf("classes: %d of %d present (%d dropped)%n", means.numSelected(), k, means.dropped().length);
            Map<String, Double> metrics = result.metrics().asMap();
            Map<String, Double> seconds = result.seconds();
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
}
