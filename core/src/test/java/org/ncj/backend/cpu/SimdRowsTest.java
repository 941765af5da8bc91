package org.ncj.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.ncj.DType;
import org.ncj.backend.Batch;

/**
 * The Vector API row kernels ({@link SimdRows}) and their scalar twins, each against an exact
 * reference, on lengths around the vector length (D = 1, 2, 3, 7 … 513) and on data far from the
 * origin and at extreme scales; then the variance norms of {@link CpuCentredStats} through both.
 */
class SimdRowsTest {
    private static final int[] DIMS = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 511, 512, 513, 4099};

    @Test
    void theTestJvmRunsTheVectorKernels() {
        assertTrue(Simd.ENABLED, "the surefire JVM starts with --add-modules jdk.incubator.vector (core/pom.xml), "
                + "so the Vector API kernels are the ones under test; lanes = " + (Simd.ENABLED ? SimdRows.lanes() : 0));
    }

    /** ‖x − μ‖² exactly (x a float, μ a double: both exact decimals), then rounded to a double. */
    private static double exact(float[] x, int o, double[] mu, int mo, int d) {
        BigDecimal s = BigDecimal.ZERO;
        for (int j = 0; j < d; j++) {
            BigDecimal v = new BigDecimal(x[o + j]).subtract(new BigDecimal(mu[mo + j]));
            s = s.add(v.multiply(v));
        }
        return s.round(MathContext.DECIMAL128).doubleValue();
    }

    private static double scalar(float[] x, int o, double[] means, int mo, int d) {
        double[] mu = new double[d];
        System.arraycopy(means, mo, mu, 0, d);
        return CpuCentredStats.squaredDeviation(x, o, mu, new double[d], d);
    }

    @Test
    void squaredDeviationMatchesTheExactSumInBothTwins() {
        Random r = new Random(11);
        double[] lanes = new double[SimdRows.lanes()];
        // centre, spread: near the origin, far from it (the deviation is what is left of 1e6),
        // tiny and huge values (squares far outside float range, inside float64's)
        double[][] scales = {{0, 1}, {1e6, 1}, {0, 1e-30}, {0, 1e30}, {-3e38, 1e36}};
        for (double[] sc : scales) {
            for (int d : DIMS) {
                int rows = 3;
                float[] x = new float[rows * d + 5];
                double[] means = new double[2 * d + 3];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) (sc[0] + sc[1] * r.nextGaussian());
                }
                for (int i = 0; i < means.length; i++) {
                    means[i] = sc[0] + sc[1] * 0.1 * r.nextGaussian();
                }
                for (int row = 0; row < rows; row++) {
                    // rows and means at offsets that are not vector multiples
                    int o = 5 + row * d - (row == 0 ? 5 : 0);
                    int mo = 3 + (row % 2) * d - (row == 2 ? 3 : 0);
                    double want = exact(x, o, means, mo, d);
                    double bound = (d + 2) * 0x1p-52 * want;
                    double v = SimdRows.squaredDeviation(x, o, means, mo, d, lanes);
                    double s = scalar(x, o, means, mo, d);
                    String at = "D = " + d + ", centre " + sc[0] + ", spread " + sc[1] + ", row " + row;
                    assertEquals(want, v, bound, "vector kernel, " + at);
                    assertEquals(want, s, bound, "scalar twin, " + at);
                }
            }
        }
    }

    @Test
    void fixedPointKernelIsTheFloat64KernelOnTheQuantisedMeans() {
        Random r = new Random(15);
        double[] lanes = new double[SimdRows.lanes()];
        double[][] scales = {{0, 1}, {1e6, 1}, {0, 1e-30}, {0, 1e30}, {-3e38, 1e36}, {0, 1e-310}, {0, 1e-318}};
        for (double[] sc : scales) {
            for (int d : DIMS) {
                int k = 2;
                double[] means = new double[k * d];
                for (int i = 0; i < means.length; i++) {
                    means[i] = sc[0] + sc[1] * r.nextGaussian();
                }
                means[d + d / 2] = 0;
                FixedPointMeans f = new FixedPointMeans(k, d);
                f.set(means);
                float[] x = new float[3 + d];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) (sc[0] + sc[1] * r.nextGaussian());
                }
                for (int c = 0; c < k; c++) {
                    String at = "D = " + d + ", centre " + sc[0] + ", spread " + sc[1] + ", class " + c;
                    if (sc[1] < 1e-315 && means[c * d] != 0) {
                        assertFalse(f.fast(c), "means below 2^-1045 have no fixed point: " + at);
                        continue;
                    }
                    assertTrue(f.fast(c), at);
                    double[] quantised = new double[d];
                    double err = 0;
                    double max = 0;
                    for (int j = 0; j < d; j++) {
                        quantised[j] = f.table()[c * d + j] * f.unit(c);
                        err = Math.max(err, Math.abs(quantised[j] - means[c * d + j]));
                        max = Math.max(max, Math.abs(means[c * d + j]));
                    }
                    assertTrue(err <= 0x1p-30 * max, "quantum of " + err + " for means up to " + max + ", " + at);
                    double want = exact(x, 3, quantised, 0, d);
                    double bound = (d + 2) * 0x1p-52 * want;
                    assertEquals(want, SimdRows.squaredDeviationFixed(x, 3, f.table(), c * d, f.unit(c), d, lanes), bound, "vector kernel, " + at);
                    assertEquals(want, SimdRows.squaredDeviation(x, 3, quantised, 0, d, lanes), bound, "twin, " + at);
                }
            }
        }
    }

    @Test
    void aNonFiniteValueMakesTheNormNonFinite() {
        double[] lanes = new double[SimdRows.lanes()];
        for (int d : DIMS) {
            for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
                for (int at : new int[] {0, d / 2, d - 1}) {
                    float[] x = new float[d];
                    x[at] = bad;
                    double v = SimdRows.squaredDeviation(x, 0, new double[d], 0, d, lanes);
                    assertFalse(Double.isFinite(v), "D = " + d + ", " + bad + " at column " + at + " gave " + v);
                }
            }
        }
    }

    @Test
    void tallScoresAreFloat32DotProductsInTheSgemmLayout() {
        // Every entry written (g starts as NaN), at its column-major place, within the float32
        // bound the decisions' tolerance assumes: |fl32(x·v) − x·v| ≤ γ³²_d Σ|x_j v_j|.
        Random r = new Random(14);
        for (int d : new int[] {1, 2, 3, 15, 16, 17, 33, 512, 513}) {
            for (int nr : new int[] {1, 3, 4, 5, 17}) {
                for (int m : new int[] {1, 2, 3, 4, 5, 9, 20}) {
                    int xo = 7;
                    int vo = 3;
                    float[] x = new float[xo + nr * d];
                    float[] v = new float[vo + m * d];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (float) (1e3 + r.nextGaussian());
                    }
                    for (int i = 0; i < v.length; i++) {
                        v[i] = (float) r.nextGaussian();
                    }
                    float[] g = new float[nr * m + 2];
                    java.util.Arrays.fill(g, Float.NaN);
                    SimdRows.scoresTall(x, xo, nr, d, v, vo, m, g);
                    double gamma = d * 0x1p-24 / (1 - d * 0x1p-24);
                    for (int q = 0; q < m; q++) {
                        for (int row = 0; row < nr; row++) {
                            double want = 0;
                            double abs = 0;
                            for (int j = 0; j < d; j++) {
                                double p2 = (double) x[xo + row * d + j] * v[vo + q * d + j];
                                want += p2;
                                abs += Math.abs(p2);
                            }
                            assertEquals(want, g[q * nr + row], gamma * abs,
                                    "D = " + d + ", nr = " + nr + ", m = " + m + ", row " + row + ", candidate " + q);
                        }
                    }
                    assertTrue(Float.isNaN(g[nr * m]) && Float.isNaN(g[nr * m + 1]), "nothing written past the block");
                }
            }
        }
    }

    @Test
    void varianceNormsAgreeThroughBothKernels() {
        Random r = new Random(12);
        for (int k : new int[] {1, 2, 3, 40}) {
            for (int d : new int[] {1, 3, 17, 700}) {
                for (int n : new int[] {0, 1, 3, 257, 1001}) {
                    double[] means = new double[k * d];
                    for (int i = 0; i < means.length; i++) {
                        means[i] = 1e4 + r.nextGaussian();
                    }
                    float[] x = new float[n * d];
                    int[] y = new int[n];
                    double[] want = new double[k];
                    for (int i = 0; i < n; i++) {
                        y[i] = r.nextInt(k);
                        for (int j = 0; j < d; j++) {
                            x[i * d + j] = (float) (1e4 + r.nextGaussian());
                        }
                        want[y[i]] += exact(x, i * d, means, y[i] * d, d);
                    }
                    double[][] got = new double[2][];
                    long[][] counts = new long[2][];
                    for (int t = 0; t < 2; t++) {
                        try (CpuCentredStats s = new CpuCentredStats(means, k, d, DType.FLOAT32, false, true, true, t == 0)) {
                            s.add(Batch.of(x, n, d, y));
                            got[t] = s.varNormSums();
                            counts[t] = s.counts();
                        }
                    }
                    assertArrayEquals(counts[0], counts[1]);
                    for (int c = 0; c < k; c++) {
                        double bound = (d + n + 2) * 0x1p-52 * want[c];
                        String at = "K = " + k + ", D = " + d + ", n = " + n + ", class " + c;
                        assertEquals(want[c], got[0][c], bound, "vector kernel, " + at);
                        assertEquals(want[c], got[1][c], bound, "scalar twin, " + at);
                    }
                }
            }
        }
    }

    /**
     * Float32 variance norms alone, through the fixed-point means: within 2^-24 of the exact sums
     * (the bound FixedPointMeans proves) over several batches, on rows near the origin, where
     * every class stays in fixed point; and on tight classes far from the origin whose rows'
     * mean is not the given one (so the quantum of the mean moves the sum by far more than
     * 2^-24), where the bound fails, the first batch is recomputed from the float64 means and the
     * class stays on them, giving the exact sums to float64 rounding; reset starts over.
     */
    @Test
    void float32VarianceNormsAreWithinFloat32RoundingOfTheExactSums() {
        Random r = new Random(16);
        for (int k : new int[] {1, 3, 10}) {
            for (int d : new int[] {1, 17, 512}) {
                double[] near = new double[k * d];
                double[] far = new double[k * d];
                for (int i = 0; i < near.length; i++) {
                    near[i] = 0.3 * r.nextGaussian();
                    far[i] = 1e4 + r.nextGaussian();
                }
                for (double[] means : new double[][] {near, far}) {
                    boolean tight = means == far;
                    int n = 600;
                    double[] want = new double[k];
                    try (CpuCentredStats s = new CpuCentredStats(means, k, d, DType.FLOAT32, false, true, true, true)) {
                        for (int batch = 0; batch < 3; batch++) {
                            float[] x = new float[n * d];
                            int[] y = new int[n];
                            for (int i = 0; i < n; i++) {
                                y[i] = r.nextInt(k);
                                for (int j = 0; j < d; j++) {
                                    double mu = means[y[i] * d + j];
                                    x[i * d + j] = (float) (tight ? mu + 0.01 + 0.01 * r.nextGaussian() : mu + r.nextGaussian());
                                }
                                want[y[i]] += exact(x, i * d, means, y[i] * d, d);
                            }
                            s.add(Batch.of(x, n, d, y));
                        }
                        double[] got = s.varNormSums();
                        for (int c = 0; c < k; c++) {
                            String at = "K = " + k + ", D = " + d + (tight ? ", tight far" : ", near") + ", class " + c;
                            double bound = tight ? (d + 3 * n + 2) * 0x1p-52 * want[c] : 0x1p-24 * want[c];
                            assertEquals(want[c], got[c], bound, at);
                            assertEquals(!tight, s.inFixedPoint(c), "fixed point, " + at);
                        }
                        s.reset(near);
                        for (int c = 0; c < k; c++) {
                            assertTrue(s.inFixedPoint(c), "after reset, class " + c);
                        }
                    }
                }
            }
        }
    }

    /** The fixed-point table is used where it was measured to pay ({@link FixedPointMeans#pays}) and only there. */
    @Test
    void fixedPointMeansOnlyWhereTheyPay() {
        int[][] shapes = {{10, 512, 1}, {1, 8192, 1}, {513, 512, 1}, {1000, 128, 0}, {10, 1024, 0}, {512, 512, 0}};
        for (int[] s : shapes) {
            try (CpuCentredStats c = new CpuCentredStats(new double[s[0] * s[1]], s[0], s[1], DType.FLOAT32, false, true, true, true)) {
                assertEquals(s[2] == 1, c.inFixedPoint(0), "K = " + s[0] + ", D = " + s[1]);
            }
        }
        try (CpuCentredStats c = new CpuCentredStats(new double[10 * 512], 10, 512, DType.FLOAT32, true, true, true, true)) {
            assertFalse(c.inFixedPoint(0), "with the scatter the centring's float tables serve");
        }
        try (CpuCentredStats c = new CpuCentredStats(new double[10 * 512], 10, 512, DType.FLOAT64, false, true, true, true)) {
            assertFalse(c.inFixedPoint(0), "float64 rows keep the float64 means");
        }
    }

    /**
     * The float32 centring writes the same centred rows and the same norms, bit for bit, through
     * the vector kernel and its scalar twin (its lanes are the twin's eight partials), on lengths
     * around eight and on rows far from the origin, tiny, huge (squares overflowing to ∞) and
     * non-finite; then the variance sums of a whole batch agree bit for bit through both, and the
     * scatter (whose SYRK also differs) to float32 rounding.
     */
    @Test
    void float32CentringIsTheScalarTwinBitForBit() {
        assertTrue(SimdRows.eightFloatLanes(), "this machine has 256-bit float vectors");
        Random r = new Random(13);
        float[] lanes = new float[8];
        double[][] scales = {{0, 1}, {1e6, 1}, {0, 1e-30}, {0, 1e30}, {-3e38, 1e36}};
        for (double[] sc : scales) {
            for (int d : DIMS) {
                float[] x = new float[2 * d + 3];
                float[] m = new float[d + 5];
                float[] lo = new float[d + 5];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) (sc[0] + sc[1] * r.nextGaussian());
                }
                for (int i = 0; i < m.length; i++) {
                    double mu = sc[0] + sc[1] * r.nextGaussian();
                    m[i] = (float) mu;
                    lo[i] = (float) (mu - m[i]);
                }
                if (d > 3) {
                    x[d + 3 + d / 2] = sc[1] > 1e20 ? Float.POSITIVE_INFINITY : Float.NaN;
                }
                for (int o : new int[] {0, d + 3}) {
                    float[] want = new float[x.length];
                    float[] got = new float[x.length];
                    float a = CpuCentredStats.centreRow(x, o, m, lo, 5, want, d);
                    float b = SimdRows.centreRow32(x, o, m, lo, 5, got, d, lanes);
                    String at = "d = " + d + ", scale " + sc[1] + " about " + sc[0] + ", row at " + o;
                    assertEquals(Float.floatToIntBits(a), Float.floatToIntBits(b), "norm bits, " + at);
                    assertArrayEquals(want, got, "centred row, " + at);
                }
            }
        }
        for (int d : new int[] {1, 7, 9, 130}) {
            int k = 3;
            int n = 301;
            float[] x = new float[n * d];
            int[] y = new int[n];
            double[] means = new double[k * d];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (1e4 + r.nextGaussian());
            }
            for (int i = 0; i < n; i++) {
                y[i] = r.nextInt(k);
            }
            for (int i = 0; i < means.length; i++) {
                means[i] = 1e4 + r.nextGaussian() * 1e-3;
            }
            double[][] scatter = new double[2][];
            double[][] sums = new double[2][];
            for (int t = 0; t < 2; t++) {
                try (CpuCentredStats s = new CpuCentredStats(means, k, d, DType.FLOAT32, true, true, true, t == 0)) {
                    s.add(Batch.of(x, n, d, y));
                    scatter[t] = s.scatter();
                    sums[t] = s.varNormSums();
                }
            }
            // The SYRKs differ (SimdSyrk against the BLAS or SyrkBandF32): float32 sums of 301 products.
            for (int i = 0; i < d * d; i++) {
                assertEquals(scatter[1][i], scatter[0][i], 1e-4 * Math.sqrt(scatter[1][i / d * (d + 1)] * scatter[1][i % d * (d + 1)]),
                        "scatter, d = " + d + ", entry " + i);
            }
            assertArrayEquals(sums[1], sums[0], "variance sums, d = " + d);
        }
    }

    @Test
    void aNonFiniteRowIsNamedAndLeavesTheSumsAsTheyWere() {
        for (boolean simd : new boolean[] {true, false}) {
            int k = 2;
            int d = 19;
            float[] x = new float[4 * d];
            java.util.Arrays.fill(x, 1f);
            int[] y = {0, 1, 0, 1};
            try (CpuCentredStats s = new CpuCentredStats(new double[k * d], k, d, DType.FLOAT32, false, true, true, simd)) {
                s.add(Batch.of(x, 4, d, y));
                double[] before = s.varNormSums();
                x[2 * d + 17] = Float.NaN;
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.add(Batch.of(x, 4, d, y)));
                assertTrue(e.getMessage().contains("row 2, column 17"), e.getMessage());
                assertArrayEquals(before, s.varNormSums(), "simd = " + simd);
            }
        }
    }
}
