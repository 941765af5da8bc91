package org.ncj.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.ncj.DType;
import org.ncj.accumulate.ClassStatistics;
import org.ncj.accumulate.Classifier;
import org.ncj.accumulate.DecAccumulator;
import org.ncj.accumulate.MeanAccumulator;
import org.ncj.accumulate.Means;
import org.ncj.accumulate.WithinClassAccumulator;
import org.ncj.backend.Backend;
import org.ncj.io.BadInputException;

/** The state-size formula is the size of the real states; treeReduce's fan-in as Spark computes it. */
class StateSizeTest {
    static final int K = 3;
    static final int D = 5;
    static final float[] X = {1, 2, 3, 4, 5, 0, 1, 0, 1, 0, 2, 2, 2, 2, 2, -1, 0, 1, 0, -1};
    static final int[] Y = {0, 1, 2, 0};

    @Test
    void formulaIsTheBytes() throws Exception {
        try (Backend be = Backend.cpu()) {
            Means means;
            try (MeanAccumulator m = new MeanAccumulator(K, D, be, DType.FLOAT32)) {
                m.accumulate(X, Y);
                assertEquals(StateSize.bytes(Pass.Kind.MEANS, K, D), m.toBytes().length, "means pass");
                means = m.compute();
            }
            try (ClassStatistics st = new ClassStatistics(K, D, be, DType.FLOAT64)) {
                st.accumulate(X, Y);
                assertEquals(StateSize.bytes(Pass.Kind.ONE_PASS, K, D), st.toBytes().length, "one pass");
            }
            try (WithinClassAccumulator w = new WithinClassAccumulator(be, means)) {
                w.accumulate(X, Y, means);
                assertEquals(StateSize.bytes(Pass.Kind.SECOND, K, D), w.toBytes().length, "second pass");
            }
            Classifier w = Classifier.of(new float[K * D], K, D);
            try (DecAccumulator dec = new DecAccumulator(be, means, w)) {
                dec.accumulate(X, Y);
                assertEquals(StateSize.bytes(Pass.Kind.DECISIONS, K, D), dec.toBytes().length, "decisions");
            }
        }
    }

    @Test
    void sigmaWAtD4096Is128MiB() {
        long withScatter = StateSize.bytes(Pass.Kind.ONE_PASS, 1, 4096);
        long without = StateSize.bytes(Pass.Kind.MEANS, 1, 4096);
        assertTrue(withScatter - without >= 128L << 20 && withScatter - without < (128L << 20) + 1024);
    }

    @Test
    void stateOver2GiBIsRefusedBeforeRunning() throws Exception {
        // 8 (K·D + D² + 2K) crosses 2^31 between K = 61,000 (2.134 GB) and 62,000 (2.167 GB) at D = 4096.
        BadInputException e = assertThrows(BadInputException.class,
                () -> StateSize.check(Pass.Kind.ONE_PASS, 62_000, 4096, "t.parquet:embedding"));
        assertTrue(e.getMessage().startsWith("t.parquet:embedding: the state of K = 62000, D = 4096"), e.getMessage());
        StateSize.check(Pass.Kind.ONE_PASS, 61_000, 4096, "t.parquet:embedding");
    }

    /** Values worked by hand from Spark's treeAggregate (RDD.scala). */
    @Test
    void fanInToTheDriver() {
        assertEquals(31, StateSize.toDriver(1000, 2));
        assertEquals(10, StateSize.toDriver(1000, 3));
        assertEquals(2, StateSize.toDriver(8, 2));
        assertEquals(1, StateSize.toDriver(1, 2));
    }

    @Test
    void depthKeepsTheDriverUnderMaxResultSize() {
        long mb100 = 100L << 20;
        assertEquals(2, StateSize.depth(1000, mb100, 0));
        assertEquals(2, StateSize.depth(1000, mb100, 4L << 30));
        // depth 2 sends 31 × 100 MiB > 1 GiB; depth 3 sends 10 × 100 MiB
        assertEquals(3, StateSize.depth(1000, mb100, 1L << 30));
        assertThrows(IllegalStateException.class, () -> StateSize.depth(1000, mb100, 150L << 20));
    }
}
