package org.ncj.accumulate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.ncj.DType;
import org.ncj.backend.Backend;

/** Every bad input gets an exception naming the problem and leaves the accumulator as it was. */
class BadInputTest {
    private final Backend cpu = Backend.cpu();
    private static final int K = 3;
    private static final int D = 2;
    private static final float[] X = {1, 2, 3, 4, 5, 6};
    private static final int[] Y = {0, 1, 2};

    static void assertMessage(Class<? extends Throwable> type, Executable call, String... parts) {
        Throwable e = assertThrows(type, call);
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message '" + e.getMessage() + "' should contain '" + p + "'");
        }
    }

    private MeanAccumulator seeded() {
        MeanAccumulator m = new MeanAccumulator(K, D, cpu, DType.FLOAT32);
        m.accumulate(X, Y);
        return m;
    }

    private static void assertUnchanged(MeanAccumulator m) {
        assertArrayEquals(new long[] {1, 1, 1}, m.counts());
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, m.sums());
    }

    @Test
    void labelOutOfRangeNamesRowAndValue() {
        try (MeanAccumulator m = seeded()) {
            assertMessage(IllegalArgumentException.class, () -> m.accumulate(new float[] {1, 1, 2, 2}, new int[] {0, 3}),
                    "label 3", "row 1", "[0, 3)");
            assertMessage(IllegalArgumentException.class, () -> m.accumulate(new float[] {1, 1}, new int[] {-1}), "label -1",
                    "row 0");
            assertUnchanged(m);
        }
    }

    @Test
    void nonFiniteValuesNameRowAndColumn() {
        try (MeanAccumulator m = seeded()) {
            assertMessage(IllegalArgumentException.class,
                    () -> m.accumulate(new float[] {1, 1, 2, Float.NaN}, new int[] {0, 1}), "NaN", "row 1", "column 1");
            assertMessage(IllegalArgumentException.class,
                    () -> m.accumulate(new float[] {Float.POSITIVE_INFINITY, 1}, new int[] {0}), "Infinity", "row 0");
            assertUnchanged(m);
        }
    }

    /**
     * The passes whose finite check is fused into their own reading of the data (the CPU centring
     * pass, ClassStatistics' batch class sums) name the first non-finite value's row and column,
     * on both backends' CPU modes and dtypes, and change nothing.
     */
    @Test
    void fusedFiniteChecksNameRowAndColumnAndChangeNothing() {
        float[] good = {1, 2, 3, 4, 5, 7};
        int[] y = {0, 1, 0};
        for (Backend be : new Backend[] {cpu, Backend.cpuDeterministic()}) {
            for (DType t : DType.values()) {
                try (MeanAccumulator m = new MeanAccumulator(K, D, be, t)) {
                    m.accumulate(good, y);
                    Means means = m.compute();
                    try (CovarAccumulator c = new CovarAccumulator(be, means); VarNormAccumulator v = new VarNormAccumulator(be, means);
                         ClassStatistics s = new ClassStatistics(K, D, be, t)) {
                        c.accumulate(good, y);
                        v.accumulate(good, y);
                        s.accumulate(good, y);
                        double[] sw = c.compute().sigmaW();
                        double[] vn = v.compute().values();
                        double[] sMeans = s.means().means();
                        double[] sSw = s.covariance(s.means()).sigmaW();
                        // A huge but finite row before the bad one: its norm overflows float32, and
                        // the check must pass it and still find the NaN in the row after.
                        float[] bad = {3e19f, 1, 2, Float.NaN, 1, 1};
                        for (Accumulator a : new Accumulator[] {c, v}) {
                            assertMessage(IllegalArgumentException.class, () -> a.accumulate(bad, y), "NaN", "row 1", "column 1");
                        }
                        assertMessage(IllegalArgumentException.class, () -> s.accumulate(bad, y), "NaN", "row 1", "column 1");
                        float[] inf = {1, 2, 3, 4, Float.NEGATIVE_INFINITY, 1};
                        for (Accumulator a : new Accumulator[] {c, v}) {
                            assertMessage(IllegalArgumentException.class, () -> a.accumulate(inf, y), "-Infinity", "row 2", "column 0");
                        }
                        assertMessage(IllegalArgumentException.class, () -> s.accumulate(inf, y), "-Infinity", "row 2", "column 0");
                        assertArrayEquals(sw, c.compute().sigmaW());
                        assertArrayEquals(vn, v.compute().values());
                        assertArrayEquals(sMeans, s.means().means());
                        assertArrayEquals(sSw, s.covariance(s.means()).sigmaW());
                    }
                }
            }
        }
    }

    /** The mean pass's check on both sides of the CPU class sums' partial limit (fused, scan first). */
    @Test
    void meanPassFiniteCheckOnBothSidesOfThePartialLimit() {
        for (int kk : new int[] {4, 1100}) {
            int d = 1000;
            float[] x = new float[kk * d];
            int[] y = new int[kk];
            for (int i = 0; i < kk; i++) {
                y[i] = i;
                x[i * d + i % d] = 1;
            }
            try (MeanAccumulator m = new MeanAccumulator(kk, d, cpu, DType.FLOAT32)) {
                m.accumulate(x, y);
                double[] before = m.sums();
                float[] bad = x.clone();
                bad[(kk - 1) * d + 7] = Float.POSITIVE_INFINITY;
                assertMessage(IllegalArgumentException.class, () -> m.accumulate(bad, y), "Infinity", "row " + (kk - 1), "column 7");
                assertArrayEquals(before, m.sums());
            }
        }
    }

    @Test
    void dimensionMismatchIsNamed() {
        try (MeanAccumulator m = seeded()) {
            assertMessage(IllegalArgumentException.class, () -> m.accumulate(new float[] {1, 2, 3}, new int[] {0}), "D = 2");
            assertMessage(IllegalArgumentException.class, () -> m.accumulate(new float[][] {{1, 2, 3}}, new int[] {0}),
                    "row 0", "dimension 3");
            assertUnchanged(m);
        }
    }

    @Test
    void labelsAndRowsOfDifferentLength() {
        try (MeanAccumulator m = seeded()) {
            assertMessage(IllegalArgumentException.class, () -> m.accumulate(new float[] {1, 2, 3, 4}, new int[] {0}),
                    "1 labels", "2 rows");
            assertUnchanged(m);
        }
    }

    @Test
    void emptyAccumulatorCannotCompute() {
        try (MeanAccumulator m = new MeanAccumulator(K, D, cpu, DType.FLOAT32)) {
            assertMessage(IllegalStateException.class, m::compute, "empty");
        }
    }

    @Test
    void unlabelledBatchNeedsOneClass() {
        try (MeanAccumulator m = seeded()) {
            assertMessage(IllegalArgumentException.class, () -> m.accumulate(new float[] {1, 2}, null), "no labels", "K = 3");
            assertUnchanged(m);
        }
    }

    @Test
    void secondPassRejectsClassesWithoutMeansAndForeignMeans() {
        try (MeanAccumulator m = new MeanAccumulator(K, D, cpu, DType.FLOAT64)) {
            m.accumulate(new float[] {1, 2, 3, 4}, new int[] {0, 1});
            Means means = m.compute();
            try (CovarAccumulator c = new CovarAccumulator(cpu, means)) {
                c.accumulate(new float[] {1, 2}, new int[] {0});
                double[] before = c.compute().sigmaW();
                assertMessage(IllegalArgumentException.class, () -> c.accumulate(new float[] {1, 2, 3, 4}, new int[] {0, 2}),
                        "label 2", "row 1", "no class mean");
                Means other = Means.of(new double[] {0, 0, 1, 1, 2, 2}, new long[] {1, 1, 1}, D, DType.FLOAT64,
                        GlobalMean.UNWEIGHTED, ClassFilter.PRESENT);
                assertMessage(IllegalArgumentException.class, () -> c.accumulate(new float[] {1, 2}, new int[] {0}, other),
                        "means given differ");
                // Equal numbers in another object are accepted.
                Means same = means.with(GlobalMean.UNWEIGHTED, ClassFilter.PRESENT);
                assertArrayEquals(before, c.compute().sigmaW());
                c.accumulate(new float[] {1, 2}, new int[] {0}, same);
            }
        }
    }

    @Test
    void closedAccumulatorRefusesWorkAndDoubleClose() {
        MeanAccumulator m = seeded();
        m.close();
        assertMessage(IllegalStateException.class, () -> m.accumulate(X, Y), "closed");
        m.close(); // idempotent (AutoCloseable's advice)
        assertMessage(IllegalStateException.class, () -> m.accumulate(X, Y), "closed");
    }

    @Test
    void classifierShapeAndValues() {
        assertMessage(IllegalArgumentException.class, () -> Classifier.of(new float[] {1, 2, 3}, 2, 2), "K x D = 2 x 2");
        assertMessage(IllegalArgumentException.class, () -> Classifier.of(new float[] {1, Float.NaN}, 1, 2), "class 0",
                "column 1");
        assertMessage(IllegalArgumentException.class,
                () -> Classifier.of(new float[] {1, 2}, 1, 2).withBias(new double[] {1, 2}), "bias has 2");
    }

    @Test
    void filterThatSelectsNothingIsNamed() {
        try (MeanAccumulator m = seeded()) {
            assertMessage(IllegalStateException.class, () -> m.compute(GlobalMean.UNWEIGHTED, ClassFilter.minCount(5)),
                    "no class passes");
        }
    }
}
