package org.ncj.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.ncj.DType;
import org.ncj.accumulate.Agreement;
import org.ncj.accumulate.Classifier;
import org.ncj.accumulate.CovarAccumulator;
import org.ncj.accumulate.Covariance;
import org.ncj.accumulate.DecAccumulator;
import org.ncj.accumulate.MeanAccumulator;
import org.ncj.accumulate.Means;
import org.ncj.accumulate.VarNormAccumulator;
import org.ncj.accumulate.WithinClassAccumulator;
import org.ncj.pairwise.PairKernel;
import org.ncj.pairwise.PairKernels;
import org.ncj.pairwise.PairStats;

/**
 * What every backend must do, checked against naive float64 loops written here (not against the
 * CPU backend), on shapes that are not multiples of any tile: K = 1, 2, 3, D = 1, empty batches.
 * Subclassed per backend (EJML-style contract tests).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BackendContract {
    protected Backend backend;

    protected abstract Backend createBackend();

    @BeforeAll
    void open() {
        backend = createBackend();
    }

    @AfterAll
    void close() {
        if (backend != null) {
            backend.close();
        }
    }

    static double tol(DType t) {
        return t == DType.FLOAT32 ? 2e-5 : 1e-11;
    }

    static void assertClose(double[] expected, double[] actual, double rtol, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        double scale = 0;
        for (double v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < expected.length; i++) {
            double bound = rtol * (Math.abs(expected[i]) + scale) + 1e-300;
            assertTrue(Math.abs(expected[i] - actual[i]) <= bound,
                    what + "[" + i + "]: expected " + expected[i] + ", got " + actual[i]);
        }
    }

    static float[] randomRows(Random r, int n, int d, double offset) {
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (offset + r.nextGaussian());
        }
        return x;
    }

    static int[] randomLabels(Random r, int n, int k) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(k);
        }
        return y;
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void classSumsMatchNaiveLoops(DType dtype) {
        Random r = new Random(1);
        int[][] shapes = {{1, 1}, {2, 1}, {3, 7}, {10, 33}, {300, 5}, {3, 257}};
        for (int[] s : shapes) {
            int k = s[0];
            int d = s[1];
            double[] sums = new double[k * d];
            long[] counts = new long[k];
            try (ClassSums cs = backend.classSums(k, d, dtype)) {
                for (int n : new int[] {0, 1, 37, 1000}) {
                    float[] x = randomRows(r, n, d, 3);
                    int[] y = randomLabels(r, n, k);
                    cs.add(Batch.of(x, n, d, y));
                    for (int i = 0; i < n; i++) {
                        counts[y[i]]++;
                        for (int j = 0; j < d; j++) {
                            sums[y[i] * d + j] += x[i * d + j];
                        }
                    }
                }
                assertArrayEquals(counts, cs.counts(), "counts K=" + k + " D=" + d);
                assertClose(sums, cs.sums(), tol(dtype), "sums K=" + k + " D=" + d);
            }
        }
    }

    @Test
    void gramAndProductsMatchNaiveLoops() {
        Random r = new Random(12);
        for (int[] s : new int[][] {{1, 1}, {2, 3}, {3, 1}, {67, 130}, {130, 67}, {0, 4}}) {
            int k = s[0];
            int d = s[1];
            double[] a = randomRows64(r, k * d);
            double[] b = randomRows64(r, (k + 2) * d);
            double[] ata = new double[d * d];
            for (int c = 0; c < k; c++) {
                for (int i = 0; i < d; i++) {
                    for (int j = 0; j < d; j++) {
                        ata[i * d + j] += a[c * d + i] * a[c * d + j];
                    }
                }
            }
            double[] abt = new double[k * (k + 2)];
            double[] aat = new double[k * k];
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k + 2; j++) {
                    for (int l = 0; l < d; l++) {
                        abt[i * (k + 2) + j] += a[i * d + l] * b[j * d + l];
                        if (j < k) {
                            aat[i * k + j] += a[i * d + l] * a[j * d + l];
                        }
                    }
                }
            }
            String what = "K=" + k + " D=" + d;
            assertClose(ata, backend.gram(a, k, d), 1e-12, "AᵀA " + what);
            assertClose(abt, backend.multiplyTransposed(a, k, b, k + 2, d), 1e-12, "ABᵀ " + what);
            double[] sym = backend.multiplyTransposed(a, k, a, k, d);
            assertClose(aat, sym, 1e-12, "AAᵀ " + what);
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void resetOperationsEqualFreshOnes(DType dtype) {
        Random r = new Random(11);
        for (int[] s : new int[][] {{3, 5}, {300, 7}, {4, 130}}) {
            int k = s[0];
            int d = s[1];
            float[] xa = randomRows(r, 200, d, 2);
            int[] ya = randomLabels(r, 200, k);
            float[] xb = randomRows(r, 150, d, 2);
            int[] yb = randomLabels(r, 150, k);
            double[] ma = randomRows64(r, k * d);
            double[] mb = randomRows64(r, k * d);
            String what = dtype + " K=" + k + " D=" + d;
            try (ClassSums reused = backend.classSums(k, d, dtype); ClassSums fresh = backend.classSums(k, d, dtype)) {
                reused.add(Batch.of(xa, 200, d, ya));
                reused.reset();
                reused.add(Batch.of(xb, 150, d, yb));
                fresh.add(Batch.of(xb, 150, d, yb));
                assertArrayEquals(fresh.counts(), reused.counts(), "class counts after reset, " + what);
                assertClose(fresh.sums(), reused.sums(), tol(dtype), "class sums after reset, " + what);
            }
            try (CentredStats reused = backend.centredStats(ma, k, d, dtype, true, true);
                 CentredStats fresh = backend.centredStats(mb, k, d, dtype, true, true)) {
                reused.add(Batch.of(xa, 200, d, ya));
                reused.reset(mb);
                reused.add(Batch.of(xb, 150, d, yb));
                fresh.add(Batch.of(xb, 150, d, yb));
                assertArrayEquals(fresh.counts(), reused.counts(), "centred counts after reset, " + what);
                assertClose(fresh.scatter(), reused.scatter(), tol(dtype), "scatter after reset, " + what);
                assertClose(fresh.varNormSums(), reused.varNormSums(), tol(dtype), "variance norms after reset, " + what);
                assertThrows(IllegalArgumentException.class, () -> reused.reset(new double[k * d + 1]));
            }
        }
    }

    private static double[] randomRows64(Random r, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = r.nextGaussian();
        }
        return a;
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void centredStatsMatchNaiveLoops(DType dtype) {
        Random r = new Random(2);
        int[][] shapes = {{1, 1}, {2, 3}, {3, 5}, {7, 67}, {4, 130}};
        for (int[] s : shapes) {
            int k = s[0];
            int d = s[1];
            double[] means = new double[k * d];
            for (int i = 0; i < means.length; i++) {
                means[i] = r.nextGaussian();
            }
            double[] scatter = new double[d * d];
            double[] vn = new double[k];
            try (CentredStats cs = backend.centredStats(means, k, d, dtype, true, true)) {
                for (int n : new int[] {0, 1, 3, 513}) {
                    float[] x = randomRows(r, n, d, 0.5);
                    int[] y = randomLabels(r, n, k);
                    cs.add(Batch.of(x, n, d, y));
                    for (int i = 0; i < n; i++) {
                        for (int a = 0; a < d; a++) {
                            double va = x[i * d + a] - means[y[i] * d + a];
                            vn[y[i]] += va * va;
                            for (int b = 0; b < d; b++) {
                                scatter[a * d + b] += va * (x[i * d + b] - means[y[i] * d + b]);
                            }
                        }
                    }
                }
                assertClose(scatter, cs.scatter(), tol(dtype) * 5, "scatter K=" + k + " D=" + d);
                assertClose(vn, cs.varNormSums(), tol(dtype) * 5, "var norms K=" + k + " D=" + d);
                // addScatterTo adds exactly what scatter() returns, to both triangles.
                double[] target = randomRows64(r, d * d);
                double[] want = target.clone();
                double[] sc = cs.scatter();
                for (int i = 0; i < want.length; i++) {
                    want[i] += sc[i];
                }
                cs.addScatterTo(target);
                assertArrayEquals(want, target, "addScatterTo K=" + k + " D=" + d);
            }
        }
        try (CentredStats noScatter = backend.centredStats(new double[2], 2, 1, dtype, false, true)) {
            assertThrows(IllegalStateException.class, () -> noScatter.addScatterTo(new double[1]));
        }
    }

    @Test
    void decisionsBreakTiesToTheLowestIndex() {
        int k = 3;
        int d = 2;
        // Means 0 and 2 are equidistant from the rows; weights 1 and 2 tie for the linear argmax.
        double[] means = {1, 0, 5, 5, -1, 0};
        double[] weights = {0, 0, 1, 1, 1, 1};
        float[] x = {0, 0, 0, 1, 0, -1};
        int[] y = {0, 1, 2};
        try (Decisions dec = backend.decisions(means, weights, null, new int[] {0, 1, 2}, k, d, DType.FLOAT32)) {
            dec.add(Batch.of(x, 3, d, y));
            // ncc: row (0,0) -> 0 (tie 0/2), (0,1) -> 0 (tie), (0,-1) -> 0 (tie); linear: row 0 all 0 -> 0,
            // row 1: w1 = w2 = 1 > w0 = 0 -> 1; row 2: w1 = w2 = -1 < 0 -> 0.
            assertArrayEquals(new long[] {1, 0, 1}, dec.hits());
            assertArrayEquals(new long[] {1, 1, 1}, dec.counts());
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void decisionsMatchNaiveLoops(DType dtype) {
        Random r = new Random(3);
        int k = 13;
        int d = 9;
        double[] means = new double[k * d];
        double[] w = new double[k * d];
        double[] b = new double[k];
        for (int i = 0; i < means.length; i++) {
            means[i] = 2 * r.nextGaussian();
            w[i] = r.nextGaussian();
        }
        for (int c = 0; c < k; c++) {
            b[c] = r.nextGaussian();
        }
        int[] cand = {0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12};
        int n = 2000;
        float[] x = randomRows(r, n, d, 0);
        int[] y = randomLabels(r, n, k);
        long[] hits = new long[k];
        long[] counts = new long[k];
        for (int i = 0; i < n; i++) {
            int best = -1;
            double bd = 0;
            int lin = -1;
            double bs = 0;
            for (int c : cand) {
                double dist = 0;
                double s = b[c];
                for (int j = 0; j < d; j++) {
                    double v = x[i * d + j] - means[c * d + j];
                    dist += v * v;
                    s += w[c * d + j] * x[i * d + j];
                }
                if (best < 0 || dist < bd) {
                    bd = dist;
                    best = c;
                }
                if (lin < 0 || s > bs) {
                    bs = s;
                    lin = c;
                }
            }
            counts[y[i]]++;
            if (best == lin) {
                hits[y[i]]++;
            }
        }
        try (Decisions dec = backend.decisions(means, w, b, cand, k, d, dtype)) {
            dec.add(Batch.of(x, n, d, y));
            dec.add(Batch.of(new float[0], 0, d, new int[0]));
            assertArrayEquals(counts, dec.counts());
            assertArrayEquals(hits, dec.hits());
        }
    }

    @Test
    void pairwiseStatsEqualGridStatisticsForEveryTileSize() {
        Random r = new Random(4);
        int k = 23;
        int d = 5;
        double[] p = new double[k * d];
        for (int i = 0; i < p.length; i++) {
            p[i] = r.nextGaussian();
        }
        double[] vn = new double[k];
        for (int c = 0; c < k; c++) {
            vn[c] = 1 + r.nextDouble();
        }
        List<PairKernel> kernels = PairKernels.every(k, 5, vn, Map.of("distExp", 1.5)); // d = 5: Riesz s = 3
        for (PairKernel kernel : kernels) {
            double[] g = backend.pairwiseGrid(p, k, d, kernel, 8);
            double sum = 0;
            long n = 0;
            for (int i = 0; i < k; i++) {
                assertTrue(Double.isNaN(g[i * k + i]), "diagonal is excluded");
                for (int j = i + 1; j < k; j++) {
                    assertEquals(g[i * k + j], g[j * k + i], 1e-12 * Math.abs(g[i * k + j]), "grid is symmetric");
                    sum += g[i * k + j];
                    n++;
                }
            }
            double mean = sum / n;
            double var = 0;
            for (int i = 0; i < k; i++) {
                for (int j = i + 1; j < k; j++) {
                    var += (g[i * k + j] - mean) * (g[i * k + j] - mean);
                }
            }
            var /= n;
            for (int tile = 1; tile <= k + 1; tile++) {
                PairStats s = backend.pairwiseStats(p, k, d, kernel, tile);
                assertEquals(n, s.count(), kernel.name() + " tile " + tile);
                assertEquals(mean, s.mean(), 1e-9 * Math.abs(mean), kernel.name() + " mean, tile " + tile);
                assertEquals(var, s.variance(), 1e-8 * Math.abs(var), kernel.name() + " variance, tile " + tile);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void theBackendPlansItsTileAndWalksThePlanWithoutATileArgument(DType dtype) {
        // The plan is what the backend makes of a tile (a fixed point of effectiveTile), its
        // candidates are too, and the pairwise methods without a tile walk exactly the plan.
        int k = 37;
        int d = 3;
        int plan = backend.pairwiseTile(k, d, dtype);
        assertEquals(plan, backend.effectiveTile(plan, dtype), "plan " + plan);
        int[] cand = backend.tileCandidates(dtype);
        assertTrue(cand.length >= 1, "at least one candidate");
        for (int i = 0; i < cand.length; i++) {
            assertEquals(cand[i], backend.effectiveTile(cand[i], dtype), "candidate " + cand[i]);
            assertTrue(i == 0 || cand[i] > cand[i - 1], "ascending, distinct");
        }
        assertThrows(IllegalArgumentException.class, () -> backend.effectiveTile(0, dtype));
        assertTrue(backend.tuningKey().startsWith(backend.name() + ": "), backend.tuningKey());
        Random r = new Random(9);
        double[] p = new double[k * d];
        for (int i = 0; i < p.length; i++) {
            p[i] = r.nextGaussian();
        }
        PairKernel kernel = new PairKernel.Dist();
        PairStats planned = backend.pairwiseStats(p, k, d, kernel, dtype);
        PairStats forced = backend.pairwiseStats(p, k, d, kernel, plan, dtype);
        assertEquals(forced.count(), planned.count());
        assertEquals(forced.mean(), planned.mean(), 0.0);
        assertEquals(forced.variance(), planned.variance(), 0.0);
        assertArrayEquals(backend.pairwiseGrid(p, k, d, kernel, plan, dtype), backend.pairwiseGrid(p, k, d, kernel, dtype));
    }

    @Test
    void batchesFromDirectBuffersEqualArrays() {
        Random r = new Random(5);
        int k = 4;
        int d = 6;
        int n = 50;
        float[] x = randomRows(r, n, d, 1);
        int[] y = randomLabels(r, n, k);
        FloatBuffer fb = ByteBuffer.allocateDirect(4 * (n * d + 3)).order(ByteOrder.nativeOrder()).asFloatBuffer();
        fb.put(new float[] {9, 9, 9}).put(x).flip().position(3);
        IntBuffer ib = ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder()).asIntBuffer().put(y).flip();
        try (MeanAccumulator a = new MeanAccumulator(k, d, backend, DType.FLOAT64);
             MeanAccumulator b = new MeanAccumulator(k, d, backend, DType.FLOAT64)) {
            a.accumulate(x, y);
            b.accumulate(fb, ib, n);
            assertArrayEquals(a.sums(), b.sums());
            assertArrayEquals(a.counts(), b.counts());
        }
    }

    @Test
    void covarianceOfTwoPassesEqualsTheDefinition() {
        Random r = new Random(6);
        int k = 3;
        int d = 4;
        int n = 200;
        float[] x = randomRows(r, n, d, 2);
        int[] y = randomLabels(r, n, k);
        try (MeanAccumulator m = new MeanAccumulator(k, d, backend, DType.FLOAT64)) {
            m.accumulate(x, y);
            Means means = m.compute();
            try (CovarAccumulator c = new CovarAccumulator(backend, means);
                 VarNormAccumulator v = new VarNormAccumulator(backend, means)) {
                c.accumulate(x, y);
                v.accumulate(x, y);
                Covariance sw = c.compute();
                double[] expected = new double[d * d];
                for (int i = 0; i < n; i++) {
                    double[] mu = means.mean(y[i]);
                    for (int a = 0; a < d; a++) {
                        for (int b = 0; b < d; b++) {
                            expected[a * d + b] += (x[i * d + a] - mu[a]) * (x[i * d + b] - mu[b]) / n;
                        }
                    }
                }
                assertClose(expected, sw.sigmaW(), 1e-12, "sigma_W");
                assertEquals(n, sw.count());
            }
        }
    }

    /**
     * The fused second pass ({@link WithinClassAccumulator}, one staging per batch) gives what
     * the two separate accumulators give (float32 variance norms: to float32 rounding) on the same batches: K = 1, 2, 3, D = 1, 2, 5, 33, an
     * empty batch and batches of odd sizes, one class without samples, then a merge and a saved
     * state read back.
     */
    @ParameterizedTest
    @EnumSource(DType.class)
    void withinClassAccumulatorEqualsTheSeparateOnes(DType dtype) throws java.io.IOException {
        Random r = new Random(11);
        for (int k : new int[] {1, 2, 3}) {
            for (int d : new int[] {1, 2, 5, 33}) {
                int n = 97;
                float[] x = randomRows(r, n, d, 3);
                int[] y = randomLabels(r, n, k);
                if (k == 3) {
                    for (int i = 0; i < n; i++) {
                        y[i] = y[i] == 2 ? 0 : y[i];   // class 2 has no samples
                    }
                }
                try (MeanAccumulator m = new MeanAccumulator(k, d, backend, dtype)) {
                    m.accumulate(x, y);
                    Means means = m.compute();
                    try (WithinClassAccumulator w = new WithinClassAccumulator(backend, means);
                         WithinClassAccumulator w2 = new WithinClassAccumulator(backend, means);
                         CovarAccumulator c = new CovarAccumulator(backend, means);
                         VarNormAccumulator v = new VarNormAccumulator(backend, means)) {
                        int[] cuts = {0, 0, 1, 40, 41, 90, n};   // an empty batch, one row, odd sizes
                        for (int b = 0; b + 1 < cuts.length; b++) {
                            float[] xb = java.util.Arrays.copyOfRange(x, cuts[b] * d, cuts[b + 1] * d);
                            int[] yb = java.util.Arrays.copyOfRange(y, cuts[b], cuts[b + 1]);
                            (b < 4 ? w : w2).accumulate(xb, yb, means);
                            c.accumulate(xb, yb, means);
                            v.accumulate(xb, yb, means);
                        }
                        w.merge(w2);
                        String at = dtype + " K=" + k + " D=" + d;
                        assertArrayEquals(c.compute().sigmaW(), w.covariance().sigmaW(), 1e-12 * scale(c.compute().sigmaW()),
                                "sigma_W " + at);
                        assertEquals(c.compute().count(), w.covariance().count(), at);
                        // float32: the separate accumulator may sum the squared deviations in another order
                        // or type than the fused pass (the CPU sums them per column in float64), so they
                        // agree to float32 rounding of D + n terms, not bit for bit.
                        double normTol = dtype == DType.FLOAT32 ? 0x1p-24 * (d + n) : 1e-12;
                        assertArrayEquals(v.compute().values(), w.varNorms().values(), normTol * scale(v.compute().values()),
                                "var norms " + at);
                        assertArrayEquals(v.compute().counts(), w.varNorms().counts(), at);
                        if (k == 3) {
                            assertTrue(Double.isNaN(w.varNorms().values()[2]), "a class without samples has no variance norm");
                        }
                        try (WithinClassAccumulator back = WithinClassAccumulator.fromBytes(w.toBytes(), backend, means)) {
                            assertArrayEquals(w.covariance().sigmaW(), back.covariance().sigmaW(), "restored sigma_W " + at);
                            assertArrayEquals(w.varNorms().values(), back.varNorms().values(), "restored var norms " + at);
                        }
                    }
                }
            }
        }
    }

    private static double scale(double[] v) {
        double s = 0;
        for (double x : v) {
            s = Double.isFinite(x) ? Math.max(s, Math.abs(x)) : s;
        }
        return Math.max(s, Double.MIN_NORMAL);
    }

    @Test
    void agreementIsOneWhenWeightsAreTheMeans() {
        Random r = new Random(7);
        int k = 5;
        int d = 8;
        float[] x = randomRows(r, 400, d, 0);
        int[] y = randomLabels(r, 400, k);
        for (int i = 0; i < 400; i++) {
            x[i * d + y[i]] += 6; // well separated classes
        }
        try (MeanAccumulator m = new MeanAccumulator(k, d, backend, DType.FLOAT32)) {
            m.accumulate(x, y);
            Means means = m.compute();
            // w_c = μ_c, b_c = −‖μ_c‖²/2 makes the linear classifier the nearest-centre one.
            double[] mu = means.means();
            double[] b = new double[k];
            for (int c = 0; c < k; c++) {
                for (int j = 0; j < d; j++) {
                    b[c] -= mu[c * d + j] * mu[c * d + j] / 2;
                }
            }
            Classifier w = Classifier.of(mu, k, d).withBias(b);
            try (DecAccumulator dec = new DecAccumulator(backend, means, w)) {
                dec.accumulate(x, y);
                Agreement a = dec.compute();
                assertEquals(400, java.util.Arrays.stream(a.hits()).sum());
            }
        }
    }

    @Test
    void eighDecomposesASymmetricMatrix() {
        Random r = new Random(8);
        for (int n : new int[] {1, 2, 3, 17, 64}) {
            double[] a = new double[n * n];
            for (int i = 0; i < n; i++) {
                for (int j = i; j < n; j++) {
                    a[i * n + j] = a[j * n + i] = r.nextGaussian();
                }
            }
            SymmetricEigen e = backend.eigh(a, n);
            for (int k = 1; k < n; k++) {
                assertTrue(e.values()[k - 1] <= e.values()[k], "ascending");
            }
            for (int k = 0; k < n; k++) {
                for (int i = 0; i < n; i++) {
                    double av = 0;
                    for (int j = 0; j < n; j++) {
                        av += a[i * n + j] * e.vector(k, j);
                    }
                    assertEquals(e.values()[k] * e.vector(k, i), av, 1e-10, "A v = λ v, n=" + n);
                }
            }
        }
    }

    @Test
    void emptyBatchChangesNothing() {
        try (MeanAccumulator m = new MeanAccumulator(3, 2, backend, DType.FLOAT32)) {
            m.accumulate(new float[0], new int[0]);
            assertArrayEquals(new long[3], m.counts());
            assertThrows(IllegalStateException.class, m::compute);
        }
    }
}
