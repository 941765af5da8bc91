package org.ncj.accumulate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ForkJoinPool;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.ncj.DType;
import org.ncj.backend.Backend;
import org.ncj.backend.Batch;
import org.ncj.golden.GoldenContract;
import org.ncj.golden.GoldenPipeline;
import org.ncj.measure.Nc1Variability;
import org.ncj.measure.MetricSet;
import org.ncj.measure.Statistics;
import org.ncj.measure.PerClassNc1;
import org.ncj.testutil.Golden;

/** One-pass statistics, merges, save/load, per-class covariance and the deterministic mode. */
class OnePassAndMergeTest {
    private final Backend cpu = Backend.cpu();

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> cases() {
        List<org.junit.jupiter.params.provider.Arguments> a = new ArrayList<>();
        for (String c : Golden.CASES) {
            for (DType t : DType.values()) {
                a.add(org.junit.jupiter.params.provider.Arguments.of(c, t));
            }
        }
        return a.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void onePassMatchesTheReferenceOnEveryGoldenCase(String name, DType dtype) {
        Golden g = Golden.load(name);
        GoldenPipeline two = GoldenPipeline.run(g, cpu, dtype);
        try (ClassStatistics one = new ClassStatistics(g.k(), g.d(), cpu, dtype)) {
            GoldenPipeline.stream(g.trainX(), g.trainY(), g.d(), one::accumulate);
            Means m = one.means();
            Map<String, Double> metrics = MetricSet.compute(cpu, Statistics.of(m).withWithinClass(one.covariance(m), one.varNorms(m))
                    .withClassifier(two.classifier()), MetricSet.Options.DEFAULT);
            List<String> failures = new ArrayList<>();
            for (String key : new String[] {"nc1_pinv", "nc1_svd", "nc1_quot", "nc1_cdnv", "nc2_etf_err"}) {
                if (!g.metrics().containsKey(key)) {
                    continue;
                }
                double[] tol = GoldenContract.tolerance(name, key, dtype);
                double e = g.metrics().get(key);
                double got = metrics.get(key);
                if (!(Math.abs(got - e) <= tol[1] + tol[0] * Math.abs(e))) {
                    failures.add(key + ": one-pass " + got + ", reference " + e);
                }
            }
            double[] tol = dtype == DType.FLOAT64 ? new double[] {1e-9, 1e-12} : new double[] {1e-4, 1e-6};
            double[] vn = one.varNorms(m).values();
            double[] ev = g.expected("var_norms");
            for (int c = 0; c < vn.length; c++) {
                if (!(Math.abs(vn[c] - ev[c]) <= tol[1] + tol[0] * Math.abs(ev[c]))) {
                    failures.add("var_norms[" + c + "]: " + vn[c] + " vs " + ev[c]);
                    break;
                }
            }
            if (!failures.isEmpty()) {
                fail(String.join("\n", failures));
            }
        }
    }

    @Test
    void naiveSumOfSquaresFailsOnTheCollapsedCaseWhereOnePassDoesNot() {
        Golden g = Golden.load("collapsed");
        int k = g.k();
        int d = g.d();
        // Textbook one pass in float32: Σ_W = (Σ xxᵀ − Σ_c n_c μ_c μ_cᵀ) / N.
        float[] x = g.trainX();
        int[] y = g.trainY();
        int n = y.length;
        float[] sxx = new float[d * d];
        float[] sums = new float[k * d];
        long[] counts = new long[k];
        for (int i = 0; i < n; i++) {
            counts[y[i]]++;
            for (int a = 0; a < d; a++) {
                sums[y[i] * d + a] += x[i * d + a];
                for (int b = 0; b < d; b++) {
                    sxx[a * d + b] += x[i * d + a] * x[i * d + b];
                }
            }
        }
        double[] sigma = new double[d * d];
        double[] mu = new double[k * d];
        for (int c = 0; c < k; c++) {
            for (int a = 0; a < d; a++) {
                mu[c * d + a] = sums[c * d + a] / (float) counts[c];
            }
        }
        for (int a = 0; a < d; a++) {
            for (int b = 0; b < d; b++) {
                float s = sxx[a * d + b];
                for (int c = 0; c < k; c++) {
                    s -= (float) (counts[c] * mu[c * d + a] * mu[c * d + b]);
                }
                sigma[a * d + b] = s / n;
            }
        }
        // Within-class spread 0.07 under means of norm 34: Σxxᵀ and nμμᵀ agree in their first
        // ~5 digits, so float32 cancellation ruins Σ_W; the merged statistics never form them.
        double[] exact = GoldenPipeline.run(g, cpu, DType.FLOAT64).sw().sigmaW();
        double naiveErr = frobeniusRelError(sigma, exact);
        assertTrue(naiveErr > 1e-4, "the naive formula should fail the float32 tolerance 1e-4 here, relative error " + naiveErr);
        try (ClassStatistics one = new ClassStatistics(k, d, cpu, DType.FLOAT32)) {
            GoldenPipeline.stream(x, y, d, one::accumulate);
            double err = frobeniusRelError(one.covariance(one.means()).sigmaW(), exact);
            assertTrue(err <= 1e-5, "one-pass float32 relative error " + err + " (naive: " + naiveErr + ")");
        }
    }

    static double frobeniusRelError(double[] a, double[] exact) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - exact[i]) * (a[i] - exact[i]);
            den += exact[i] * exact[i];
        }
        return Math.sqrt(num / den);
    }

    /** Random split of [0, n) into parts contiguous ranges. */
    static int[] cuts(Random r, int n, int parts) {
        int[] c = new int[parts + 1];
        for (int i = 1; i < parts; i++) {
            c[i] = r.nextInt(n + 1);
        }
        c[parts] = n;
        Arrays.sort(c);
        return c;
    }

    @Test
    void mergingRandomPartitionsEqualsOneStream() {
        Golden g = Golden.load("imbalanced");
        int k = g.k();
        int d = g.d();
        float[] x = g.trainX();
        int[] y = g.trainY();
        Random r = new Random(11);
        Means means;
        try (MeanAccumulator whole = new MeanAccumulator(k, d, cpu, DType.FLOAT64)) {
            whole.accumulate(x, y);
            means = whole.compute();
        }
        Classifier w = Classifier.of(g.weights(), k, d);
        try (CovarAccumulator cov = new CovarAccumulator(cpu, means);
             VarNormAccumulator var = new VarNormAccumulator(cpu, means);
             DecAccumulator dec = new DecAccumulator(cpu, means, w);
             ClassStatistics stats = new ClassStatistics(k, d, cpu, DType.FLOAT64)) {
            cov.accumulate(x, y);
            var.accumulate(x, y);
            dec.accumulate(x, y);
            stats.accumulate(x, y);
            for (int trial = 0; trial < 6; trial++) {
                int parts = 2 + r.nextInt(15);
                int[] c = cuts(r, y.length, parts);
                MeanAccumulator m0 = null;
                CovarAccumulator c0 = null;
                VarNormAccumulator v0 = null;
                DecAccumulator d0 = null;
                ClassStatistics s0 = null;
                for (int p = 0; p < parts; p++) {
                    float[] px = Arrays.copyOfRange(x, c[p] * d, c[p + 1] * d);
                    int[] py = Arrays.copyOfRange(y, c[p], c[p + 1]);
                    MeanAccumulator m = new MeanAccumulator(k, d, cpu, DType.FLOAT64);
                    CovarAccumulator cv = new CovarAccumulator(cpu, means);
                    VarNormAccumulator v = new VarNormAccumulator(cpu, means);
                    DecAccumulator de = new DecAccumulator(cpu, means, w);
                    ClassStatistics s = new ClassStatistics(k, d, cpu, DType.FLOAT64);
                    m.accumulate(px, py);
                    cv.accumulate(px, py);
                    v.accumulate(px, py);
                    de.accumulate(px, py);
                    s.accumulate(px, py);
                    if (m0 == null) {
                        m0 = m;
                        c0 = cv;
                        v0 = v;
                        d0 = de;
                        s0 = s;
                    } else {
                        m0.merge(m);
                        c0.merge(cv);
                        v0.merge(v);
                        d0.merge(de);
                        s0.merge(s);
                        m.close();
                        cv.close();
                        v.close();
                        de.close();
                        s.close();
                    }
                }
                String what = parts + " parts";
                assertArrayEquals(means.counts(), m0.counts(), what);
                assertClose(means.means(), m0.compute().means(), 1e-12, what + " means");
                assertClose(cov.compute().sigmaW(), c0.compute().sigmaW(), 1e-12, what + " sigma_W");
                assertClose(var.compute().values(), v0.compute().values(), 1e-12, what + " var norms");
                assertArrayEquals(dec.compute().hits(), d0.compute().hits(), what + " hits (exact)");
                assertArrayEquals(dec.compute().counts(), d0.compute().counts(), what + " counts (exact)");
                Means sm = s0.means();
                assertArrayEquals(stats.counts(), s0.counts(), what);
                assertClose(stats.means().means(), sm.means(), 1e-12, what + " one-pass means");
                assertClose(stats.covariance(stats.means()).sigmaW(), s0.covariance(sm).sigmaW(), 1e-10, what + " one-pass sigma_W");
                assertClose(cov.compute().sigmaW(), s0.covariance(sm).sigmaW(), 1e-10, what + " one-pass vs two-pass sigma_W");
                m0.close();
                c0.close();
                v0.close();
                d0.close();
                s0.close();
            }
        }
    }

    static void assertClose(double[] e, double[] a, double rtol, String what) {
        assertEquals(e.length, a.length, what);
        double scale = 0;
        for (double v : e) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], rtol * scale, what + "[" + i + "]");
        }
    }

    @Test
    void saveLoadContinueEqualsOneStream(@TempDir Path dir) throws IOException {
        Golden g = Golden.load("small");
        int k = g.k();
        int d = g.d();
        float[] x = g.trainX();
        int[] y = g.trainY();
        int half = 1234;
        float[] x1 = Arrays.copyOfRange(x, 0, half * d);
        int[] y1 = Arrays.copyOfRange(y, 0, half);
        float[] x2 = Arrays.copyOfRange(x, half * d, x.length);
        int[] y2 = Arrays.copyOfRange(y, half, y.length);
        Means means;
        try (MeanAccumulator whole = new MeanAccumulator(k, d, cpu, DType.FLOAT32);
             MeanAccumulator first = new MeanAccumulator(k, d, cpu, DType.FLOAT32)) {
            whole.accumulate(x, y);
            means = whole.compute();
            first.accumulate(x1, y1);
            first.save(dir.resolve("mean.ncj"));
            try (MeanAccumulator resumed = MeanAccumulator.load(dir.resolve("mean.ncj"), k, d, cpu, DType.FLOAT32)) {
                resumed.accumulate(x2, y2);
                assertArrayEquals(whole.counts(), resumed.counts());
                assertClose(whole.sums(), resumed.sums(), 1e-6, "sums");
            }
        }
        Classifier w = Classifier.of(g.weights(), k, d);
        try (CovarAccumulator cov = new CovarAccumulator(cpu, means);
             CovarAccumulator first = new CovarAccumulator(cpu, means);
             VarNormAccumulator var = new VarNormAccumulator(cpu, means);
             VarNormAccumulator vfirst = new VarNormAccumulator(cpu, means);
             DecAccumulator dec = new DecAccumulator(cpu, means, w);
             DecAccumulator dfirst = new DecAccumulator(cpu, means, w);
             ClassStatistics stats = new ClassStatistics(k, d, cpu, DType.FLOAT32);
             ClassStatistics sfirst = new ClassStatistics(k, d, cpu, DType.FLOAT32)) {
            cov.accumulate(x, y);
            var.accumulate(x, y);
            dec.accumulate(x, y);
            stats.accumulate(x, y);
            first.accumulate(x1, y1);
            vfirst.accumulate(x1, y1);
            dfirst.accumulate(x1, y1);
            sfirst.accumulate(x1, y1);
            first.save(dir.resolve("cov.ncj"));
            vfirst.save(dir.resolve("var.ncj"));
            dfirst.save(dir.resolve("dec.ncj"));
            sfirst.save(dir.resolve("stats.ncj"));
            try (CovarAccumulator c = CovarAccumulator.load(dir.resolve("cov.ncj"), cpu, means);
                 VarNormAccumulator v = VarNormAccumulator.load(dir.resolve("var.ncj"), cpu, means);
                 DecAccumulator de = DecAccumulator.load(dir.resolve("dec.ncj"), cpu, means, w);
                 ClassStatistics s = ClassStatistics.load(dir.resolve("stats.ncj"), k, d, cpu, DType.FLOAT32)) {
                c.accumulate(x2, y2);
                v.accumulate(x2, y2);
                de.accumulate(x2, y2);
                s.accumulate(x2, y2);
                assertClose(cov.compute().sigmaW(), c.compute().sigmaW(), 1e-6, "sigma_W");
                assertClose(var.compute().values(), v.compute().values(), 1e-6, "var norms");
                assertArrayEquals(dec.compute().hits(), de.compute().hits());
                assertClose(stats.covariance(stats.means()).sigmaW(), s.covariance(s.means()).sigmaW(), 1e-5, "one-pass");
            }
            // Load errors name the file and the mismatch, and leave no accumulator behind.
            Path mean = dir.resolve("mean.ncj");
            assertMessage(() -> MeanAccumulator.load(mean, k + 1, d, cpu, DType.FLOAT32), "mean.ncj", "K = 10", "expected K = 11");
            assertMessage(() -> MeanAccumulator.load(mean, k, d + 1, cpu, DType.FLOAT32), "D = 64", "expected");
            assertMessage(() -> MeanAccumulator.load(mean, k, d, cpu, DType.FLOAT64), "FLOAT32", "expected");
            assertMessage(() -> ClassStatistics.load(mean, k, d, cpu, DType.FLOAT32), "holds a MeanAccumulator");
            Means other = means.with(GlobalMean.WEIGHTED, ClassFilter.PRESENT);
            CovarAccumulator.load(dir.resolve("cov.ncj"), cpu, other).close(); // same numbers: accepted
            Means shifted = Means.of(Arrays.stream(means.means()).map(v -> v + 1).toArray(), means.counts(), d, DType.FLOAT32,
                    GlobalMean.UNWEIGHTED, ClassFilter.PRESENT);
            assertMessage(() -> CovarAccumulator.load(dir.resolve("cov.ncj"), cpu, shifted), "other class means");
            byte[] bytes = Files.readAllBytes(mean);
            Path truncated = dir.resolve("truncated.ncj");
            Files.write(truncated, Arrays.copyOf(bytes, bytes.length - 9));
            assertMessage(() -> MeanAccumulator.load(truncated, k, d, cpu, DType.FLOAT32), "truncated");
            Path version = dir.resolve("version.ncj");
            byte[] v3 = bytes.clone();
            v3[8] = 3;
            Files.write(version, v3);
            assertMessage(() -> MeanAccumulator.load(version, k, d, cpu, DType.FLOAT32), "format version 3");
            Path garbage = dir.resolve("garbage.ncj");
            Files.writeString(garbage, "hello, world");
            assertMessage(() -> MeanAccumulator.load(garbage, k, d, cpu, DType.FLOAT32), "not a saved ncj accumulator");
        }
    }

    interface IoCall {
        Object call() throws IOException;
    }

    static void assertMessage(IoCall call, String... parts) {
        IOException e = assertThrows(IOException.class, call::call);
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + e.getMessage() + "' should contain '" + p + "'");
        }
    }

    @Test
    void perClassCovarianceMatchesDirectComputationInChunks() {
        Golden g = Golden.load("imbalanced");
        int k = g.k();
        int d = g.d();
        float[] x = g.trainX();
        int[] y = g.trainY();
        Means means;
        try (MeanAccumulator m = new MeanAccumulator(k, d, cpu, DType.FLOAT64)) {
            m.accumulate(x, y);
            means = m.compute();
        }
        List<Batch> batches = new ArrayList<>();
        GoldenPipeline.stream(x, y, d, (bx, by) -> batches.add(Batch.of(bx, by.length, d, by)));
        long budget = 7L * 8 * d * d; // 7 classes at a time: 20 classes need 3 passes
        assertEquals(3, PerClassCovariance.passes(k, d, budget));
        double[][] direct = new double[k][d * d];
        long[] n = new long[k];
        for (int i = 0; i < y.length; i++) {
            n[y[i]]++;
            double[] mu = means.mean(y[i]);
            for (int a = 0; a < d; a++) {
                for (int b = 0; b < d; b++) {
                    direct[y[i]][a * d + b] += (x[i * d + a] - mu[a]) * (x[i * d + b] - mu[b]);
                }
            }
        }
        List<Integer> seen = new ArrayList<>();
        int passes = PerClassCovariance.compute(cpu, means, batches, budget, (c, count, sigma) -> {
            seen.add(c);
            assertEquals(n[c], count);
            double[] e = direct[c].clone();
            for (int i = 0; i < e.length; i++) {
                e[i] /= n[c];
            }
            assertClose(e, sigma, 1e-12, "sigma_" + c);
        });
        assertEquals(3, passes);
        assertEquals(k, seen.size());
        PerClassNc1 per = Nc1Variability.perClassCovariancePinv(cpu, means, batches, budget);
        try (CovarAccumulator cov = new CovarAccumulator(cpu, means)) {
            cov.accumulate(x, y);
            double nc1 = Nc1Variability.covariancePinv(cov.compute(), means);
            assertEquals(nc1, per.weightedMeanRatio(), 1e-10 * nc1, "sample-weighted per-class NC1 is nc1_pinv");
        }
        assertEquals(3, per.passes());
        assertTrue(per.traceSpread() > 0);
    }

    @Test
    void deterministicModeGivesIdenticalBitsOnOneAndTwoThreads() throws Exception {
        Golden g = Golden.load("small");
        double[] reference = null;
        for (int threads : new int[] {1, 2}) {
            ForkJoinPool pool = new ForkJoinPool(threads);
            try {
                for (int run = 0; run < 20; run++) {
                    double[] bits = pool.submit(() -> {
                        try (Backend b = Backend.cpuDeterministic()) {
                            GoldenPipeline p = GoldenPipeline.run(g, b, DType.FLOAT32);
                            double[] out = new double[p.metrics().size() + p.sw().sigmaW().length];
                            int i = 0;
                            for (double v : p.metrics().values()) {
                                out[i++] = v;
                            }
                            System.arraycopy(p.sw().sigmaW(), 0, out, i, p.sw().sigmaW().length);
                            return out;
                        }
                    }).get();
                    if (reference == null) {
                        reference = bits;
                    } else {
                        for (int i = 0; i < bits.length; i++) {
                            if (Double.doubleToRawLongBits(bits[i]) != Double.doubleToRawLongBits(reference[i])) {
                                fail("value " + i + " differs on " + threads + " threads, run " + run + ": " + bits[i] + " vs " + reference[i]);
                            }
                        }
                    }
                }
            } finally {
                pool.shutdown();
            }
        }
    }
}
