package org.ncj.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.ncj.DType;
import org.ncj.accumulate.Agreement;
import org.ncj.accumulate.Classifier;
import org.ncj.accumulate.ClassFilter;
import org.ncj.accumulate.CovarAccumulator;
import org.ncj.accumulate.Covariance;
import org.ncj.accumulate.DecAccumulator;
import org.ncj.accumulate.GlobalMean;
import org.ncj.accumulate.MeanAccumulator;
import org.ncj.accumulate.Means;
import org.ncj.accumulate.VarNormAccumulator;
import org.ncj.accumulate.VarNorms;
import org.ncj.backend.Backend;
import org.ncj.pairwise.PairKernel;
import org.ncj.testutil.Golden;

class MeasuresTest {
    private final Backend cpu = Backend.cpu();

    record Run(Means means, Covariance sw, VarNorms vn, Classifier w, Agreement agree, Map<String, Double> metrics) {
    }

    /** Accumulates the golden case 'small' after transforming it, and computes every metric. */
    Run run(Golden g, float[] x, int[] y, float[] testX, int[] testY, float[] w) {
        int k = g.k();
        int d = g.d();
        try (MeanAccumulator m = new MeanAccumulator(k, d, cpu, DType.FLOAT64)) {
            m.accumulate(x, y);
            Means means = m.compute();
            try (CovarAccumulator c = new CovarAccumulator(cpu, means);
                 VarNormAccumulator v = new VarNormAccumulator(cpu, means);
                 MeanAccumulator ood = new MeanAccumulator(1, d, cpu, DType.FLOAT64)) {
                c.accumulate(x, y);
                v.accumulate(x, y);
                ood.accumulate(g.oodX(), null);
                Classifier cl = Classifier.of(w, k, d);
                try (DecAccumulator dec = new DecAccumulator(cpu, means, cl)) {
                    dec.accumulate(testX, testY);
                    Agreement a = dec.compute();
                    Map<String, Double> metrics = MetricSet.compute(cpu, new Statistics(means, c.compute(), v.compute(), cl, a,
                            ood.compute().globalMean()), MetricSet.Options.DEFAULT);
                    return new Run(means, c.compute(), v.compute(), cl, a, metrics);
                }
            }
        }
    }

    static void assertSameMetrics(Map<String, Double> a, Map<String, Double> b, double rtol, String... skip) {
        assertEquals(a.keySet(), b.keySet());
        for (String key : a.keySet()) {
            if (java.util.Arrays.asList(skip).contains(key)) {
                continue;
            }
            double x = a.get(key);
            double y = b.get(key);
            assertTrue(Math.abs(x - y) <= rtol * Math.abs(x) + 1e-300, key + ": " + x + " vs " + y);
        }
    }

    @Test
    void permutingSamplesChangesNothing() {
        Golden g = Golden.load("small");
        int d = g.d();
        int n = g.trainY().length;
        int[] perm = permutation(n, new Random(1));
        float[] x = new float[g.trainX().length];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(g.trainX(), perm[i] * d, x, i * d, d);
            y[i] = g.trainY()[perm[i]];
        }
        Run a = run(g, g.trainX(), g.trainY(), g.testX(), g.testY(), g.weights());
        Run b = run(g, x, y, g.testX(), g.testY(), g.weights());
        assertSameMetrics(a.metrics(), b.metrics(), 1e-9);
    }

    @Test
    void permutingClassIdsKeepsScalarMetrics() {
        Golden g = Golden.load("small");
        int k = g.k();
        int d = g.d();
        int[] perm = permutation(k, new Random(2));
        int[] y = relabel(g.trainY(), perm);
        int[] ty = relabel(g.testY(), perm);
        float[] w = new float[g.weights().length];
        for (int c = 0; c < k; c++) {
            System.arraycopy(g.weights(), c * d, w, perm[c] * d, d);
        }
        Run a = run(g, g.trainX(), g.trainY(), g.testX(), g.testY(), g.weights());
        Run b = run(g, g.trainX(), y, g.testX(), ty, w);
        assertSameMetrics(a.metrics(), b.metrics(), 1e-9);
    }

    @Test
    void scalingEmbeddingsKeepsEtfErrorsAndCosines() {
        Golden g = Golden.load("small");
        float[] x = g.trainX().clone();
        float[] tx = g.testX().clone();
        for (int i = 0; i < x.length; i++) {
            x[i] *= 4; // a power of two: exact in float32
        }
        for (int i = 0; i < tx.length; i++) {
            tx[i] *= 4;
        }
        Run a = run(g, g.trainX(), g.trainY(), g.testX(), g.testY(), g.weights());
        Run b = run(g, x, g.trainY(), tx, g.testY(), g.weights());
        for (String key : new String[] {"nc2_etf_err", "nc3_dual_err", "nc2_equiangle_std", "nc2_maxangle", "nc2_equinorm_means",
                "nc2g_dist_mean", "nc2g_log_mean", "nc1_pinv", "nc1_quot", "nc4_agree"}) {
            assertEquals(a.metrics().get(key), b.metrics().get(key), 1e-9 * Math.abs(a.metrics().get(key)), key);
        }
        assertEquals(16 * a.metrics().get("nc3u_uni_dual"), b.metrics().get("nc3u_uni_dual"),
                1e-9 * b.metrics().get("nc3u_uni_dual"), "dot similarities scale with the means");
    }

    @Test
    void anExactSimplexEtfHasZeroError() {
        for (int k : new int[] {2, 3, 10, 64}) {
            int d = k + 3;
            // Vertices e_c − 1/K: centred, equinorm, equiangular with cos = −1/(K−1).
            double[] m = new double[k * d];
            for (int c = 0; c < k; c++) {
                for (int j = 0; j < k; j++) {
                    m[c * d + j] = (c == j ? 1.0 : 0.0) - 1.0 / k;
                }
            }
            long[] counts = new long[k];
            java.util.Arrays.fill(counts, 5);
            Means means = Means.of(m, counts, d, DType.FLOAT64, GlobalMean.UNWEIGHTED, ClassFilter.PRESENT);
            assertEquals(0, Nc2Geometry.simplexEtfError(means), 1e-12, "K=" + k);
            assertEquals(0, Nc2Geometry.equiangleStd(means, cpu, 3), 1e-12);
            assertEquals(0, Nc2Geometry.maxAngle(means, cpu, 3), 1e-12);
            assertEquals(0, Nc2Geometry.equinormMeans(means), 1e-12);
            // Self-dual classifier: W = M̃.
            assertEquals(0, Nc3Duality.selfDualityError(Classifier.of(m, k, d), means), 1e-12);
        }
    }

    @Test
    void gridsRunOnTheBackendGivenAndPairwiseMeasuresLeaveTheTileToIt() {
        // K = 3, D = 2 (no tile multiple); unweighted global mean (1, 1).
        double[] m = {3, 1, 0, 2, 0, 0};
        Means means = Means.of(m, new long[] {2, 5, 1}, 2, DType.FLOAT32, GlobalMean.UNWEIGHTED, ClassFilter.PRESENT);
        double[][] mc = {{2, 0}, {-1, 1}, {-1, -1}};
        java.util.List<String> calls = new java.util.ArrayList<>();
        Object[][] lastArgs = new Object[1][];
        Backend recording = (Backend) java.lang.reflect.Proxy.newProxyInstance(Backend.class.getClassLoader(),
                new Class<?>[] {Backend.class}, (proxy, method, args) -> {
                    calls.add(method.getName() + (args == null ? 0 : args.length));
                    lastArgs[0] = args;
                    return method.invoke(cpu, args);
                });
        double[] g = Nc2Geometry.interferenceGrid(means, recording);
        assertEquals(java.util.List.of("multiplyTransposed5"), calls, "the product runs on the backend given");
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                assertEquals(mc[i][0] * mc[j][0] + mc[i][1] * mc[j][1], g[i * 3 + j], 1e-12, i + "," + j);
            }
        }
        calls.clear();
        KernelStats s = Nc2Geometry.kernelStats(means, new PairKernel.Dist(), recording);
        // No tile from the measure: the backend's tile-less method (it plans the tile), at the means' precision.
        assertEquals(java.util.List.of("pairwiseStats5"), calls);
        assertEquals(DType.FLOAT32, lastArgs[0][4]);
        double[] grid = Nc2Geometry.kernelGrid(means, new PairKernel.Dist(), recording);
        assertEquals(s.mean(), (grid[1] + grid[2] + grid[5]) / 3, 1e-12, "grid and statistics agree");
    }

    @Test
    void gramFreeEtfErrorEqualsTheDirectOne() {
        Random r = new Random(3);
        int k = 300;
        int d = 300;
        double[] a = new double[k * d];
        double[] b = new double[k * d];
        for (int i = 0; i < a.length; i++) {
            a[i] = r.nextGaussian() + 0.3;
            b[i] = r.nextGaussian();
        }
        int saved = Nc2Geometry.gramLimit;
        try (org.ncj.backend.Backend cpu = org.ncj.backend.Backend.cpu();
             org.ncj.backend.Backend det = org.ncj.backend.Backend.cpuDeterministic()) {
            // Both the BLAS products (where a native BLAS is installed) and the Java loops.
            for (org.ncj.backend.Backend be : new org.ncj.backend.Backend[] {cpu, det}) {
                Nc2Geometry.gramLimit = saved;
                double direct = Nc2Geometry.structureError(a, b, k, d, be);
                Nc2Geometry.gramLimit = 10;
                double gramFree = Nc2Geometry.structureError(a, b, k, d, be);
                assertEquals(direct, gramFree, 1e-10 * direct, be.description());
            }
        } finally {
            Nc2Geometry.gramLimit = saved;
        }
    }

    @Test
    void kernelStatsRunAtFiftyThousandClassesWithoutTheGrid() {
        int k = 50_000;
        int d = 2;
        Random r = new Random(4);
        double[] m = new double[k * d];
        for (int i = 0; i < m.length; i++) {
            m[i] = r.nextGaussian();
        }
        long[] counts = new long[k];
        java.util.Arrays.fill(counts, 1);
        Means means = Means.of(m, counts, d, DType.FLOAT64, GlobalMean.UNWEIGHTED, ClassFilter.PRESENT);
        Runtime rt = Runtime.getRuntime();
        // The grid would be 50,000² doubles = 20 GB; the heap is far smaller, so finishing proves it was never built.
        assertTrue(rt.maxMemory() < 8L * k * k, "heap must be smaller than the grid for this test to mean anything");
        KernelStats s = Nc2Geometry.kernelStats(means, new PairKernel.Dist(), cpu, 512);
        assertEquals((long) k * (k - 1) / 2, s.count());
        // Unit vectors in the plane at uniform random angles: E|a − b| = 4/π.
        assertEquals(4 / Math.PI, s.mean(), 1e-2);
    }

    @Test
    void rieszKernelDoesNotUnderflowAtLargeDimension() {
        Random r = new Random(5);
        for (int d : new int[] {512, 4096}) {
            int k = 6;
            double[] m = new double[k * d];
            for (int i = 0; i < m.length; i++) {
                m[i] = r.nextGaussian();
            }
            long[] counts = {3, 3, 3, 3, 3, 3};
            Means means = Means.of(m, counts, d, DType.FLOAT32, GlobalMean.UNWEIGHTED, ClassFilter.PRESENT);
            KernelStats s = Nc2Geometry.kernelStats(means, PairKernel.Riesz.forDimension(d), cpu, 4);
            // Centred random means in high dimension: cos ≈ −1/(K−1), so ‖a − b‖² ≈ 2 + 2/(K−1)
            // and log k ≈ −(D−2)/2 · log(2 + 2/(K−1)).
            double expectedLog = -(d - 2) / 2.0 * Math.log(2 + 2.0 / (k - 1));
            assertEquals(expectedLog, s.logMean(), 0.1 * Math.abs(expectedLog), "D=" + d);
            assertTrue(Double.isFinite(s.logVariance()), "log variance finite at D=" + d);
            if (d == 512) {
                assertTrue(s.mean() > 0, "mean is representable in float64 at D = 512 and must not be 0");
                assertTrue(s.variance() > 0, "variance must not underflow at D = 512");
            }
        }
    }

    @Test
    void nc1SvdEqualsPinvWhenClassesOutnumberDimensions() {
        Golden g = Golden.load("manyclasses");
        Run a = run(g, g.trainX(), g.trainY(), g.testX(), g.testY(), g.weights());
        assertEquals(a.metrics().get("nc1_pinv"), a.metrics().get("nc1_svd"), 1e-12 * a.metrics().get("nc1_pinv"));
    }

    @Test
    void float32CutoffKeepsNc1NearTheFloat64Value() {
        // docs/METRICS.md: with float32 statistics a float64 epsilon would invert noise in Σ_B's null
        // space; the cutoff with the accumulation type's epsilon keeps NC1 at the float64 value.
        Golden g = Golden.load("collapsed");
        double[] nc1 = new double[2];
        for (DType t : DType.values()) {
            try (MeanAccumulator m = new MeanAccumulator(g.k(), g.d(), cpu, t)) {
                m.accumulate(g.trainX(), g.trainY());
                Means means = m.compute();
                try (CovarAccumulator c = new CovarAccumulator(cpu, means)) {
                    c.accumulate(g.trainX(), g.trainY());
                    nc1[t.ordinal()] = Nc1Variability.covariancePinv(c.compute(), means);
                }
            }
        }
        assertEquals(nc1[1], nc1[0], 1e-3 * nc1[1]);
    }

    @Test
    void measuresNeedingPairsRejectOneClass() {
        double[] m = {1, 2, 3};
        Means means = Means.of(m, new long[] {4}, 3, DType.FLOAT64, GlobalMean.UNWEIGHTED, ClassFilter.PRESENT);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Nc2Geometry.simplexEtfError(means));
        assertTrue(e.getMessage().contains("K = 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Nc2Geometry.kernelStats(means, new PairKernel.Dist()));
    }

    @Test
    void zeroNormCentredMeanIsNamed() {
        // Class 1 sits at the global mean of classes 0, 1, 2.
        double[] m = {-1, 0, 0, 0, 1, 0};
        Means means = Means.of(m, new long[] {1, 1, 1}, 2, DType.FLOAT64, GlobalMean.UNWEIGHTED, ClassFilter.PRESENT);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Nc2Geometry.kernelStats(means, new PairKernel.Dist()));
        assertTrue(e.getMessage().startsWith("class 1"), e.getMessage());
    }

    @Test
    void filteredAndAbsentClassesNeverEnter() {
        // Class 1 absent, class 3 below the minimum count: measures see classes 0 and 2 only.
        double[] m = {1, 0, 9, 9, -1, 0, 7, 7};
        Means means = Means.of(m, new long[] {5, 0, 5, 1}, 2, DType.FLOAT64, GlobalMean.UNWEIGHTED, ClassFilter.minCount(2));
        assertEquals(2, means.numSelected());
        assertEquals(java.util.List.of(1, 3), java.util.Arrays.stream(means.dropped()).boxed().toList());
        assertEquals(0, Nc2Geometry.simplexEtfError(means), 1e-12, "two opposite points are a simplex ETF");
        assertEquals(0, means.globalMean()[0], 0);
    }

    @Test
    void weightedGlobalMeanWeighsByCount() {
        double[] m = {0, 0, 3, 3};
        Means u = Means.of(m, new long[] {1, 2}, 2, DType.FLOAT64, GlobalMean.UNWEIGHTED, ClassFilter.PRESENT);
        Means w = u.with(GlobalMean.WEIGHTED, ClassFilter.PRESENT);
        assertEquals(1.5, u.globalMean()[0], 1e-15);
        assertEquals(2.0, w.globalMean()[0], 1e-15);
    }

    static int[] permutation(int n, Random r) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    static int[] relabel(int[] y, int[] perm) {
        int[] out = new int[y.length];
        for (int i = 0; i < y.length; i++) {
            out[i] = perm[y[i]];
        }
        return out;
    }
}
