package org.ncj.accumulate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.ConcurrentModificationException;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.ncj.DType;
import org.ncj.backend.Backend;

/**
 * Issue 12, items 8–10: an accumulator shared between threads either counts every row it accepted
 * or throws at once (never a silent wrong total); per-thread accumulators merged give exact
 * totals; merging another dtype or oneself is an error; close() is idempotent.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SharingTest {
    static final int K = 7;
    static final int D = 5;
    static final int THREADS = 4;
    static final int ROWS = 64;

    private Backend cpu;

    @BeforeAll
    void open() {
        cpu = Backend.cpu();
    }

    @AfterAll
    void close() {
        cpu.close();
    }

    /** Batch b of thread t: small integers, so float32 sums are exact and totals can be compared exactly. */
    static float[] x(int t, int b) {
        float[] x = new float[ROWS * D];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i * 7 + t * 3 + b) % 11 - 5;
        }
        return x;
    }

    static int[] y(int t, int b) {
        int[] y = new int[ROWS];
        for (int i = 0; i < ROWS; i++) {
            y[i] = (i + t + b) % K;
        }
        return y;
    }

    /**
     * Runs {@code THREADS} threads that each feed {@code batches} batches through {@code feed}
     * into one shared accumulator; returns the rows each (thread, batch) that did not throw added
     * per class, i.e. the exact counts the accumulator must hold.
     */
    static long[] hammer(int batches, java.util.function.BiConsumer<float[], int[]> feed, AtomicLong refused) throws Exception {
        long[][] accepted = new long[THREADS][K];
        CyclicBarrier start = new CyclicBarrier(THREADS);
        List<Thread> threads = new ArrayList<>();
        List<Throwable> unexpected = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < THREADS; t++) {
            int tt = t;
            Thread th = new Thread(() -> {
                try {
                    start.await();
                    for (int b = 0; b < batches; b++) {
                        int[] yy = y(tt, b);
                        try {
                            feed.accept(x(tt, b), yy);
                            for (int label : yy) {
                                accepted[tt][label]++;
                            }
                        } catch (ConcurrentModificationException e) {
                            refused.incrementAndGet();
                        }
                    }
                } catch (Throwable e) {
                    unexpected.add(e);
                }
            });
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join();
        }
        assertTrue(unexpected.isEmpty(), "unexpected " + unexpected);
        long[] total = new long[K];
        for (long[] a : accepted) {
            for (int c = 0; c < K; c++) {
                total[c] += a[c];
            }
        }
        return total;
    }

    /** Item 8: four threads share each kind of accumulator, 50 trials each; the totals are those of the accepted batches. */
    @Test
    void sharedAccumulatorNeverLosesRowsSilently() throws Exception {
        Means means;
        try (MeanAccumulator m = new MeanAccumulator(K, D, cpu, DType.FLOAT32)) {
            for (int t = 0; t < THREADS; t++) {
                m.accumulate(x(t, 0), y(t, 0));
            }
            means = m.compute();
        }
        Classifier w = Classifier.of(new float[K * D], K, D);
        AtomicLong refused = new AtomicLong();
        int wrong = 0;
        for (int trial = 0; trial < 50; trial++) {
            try (MeanAccumulator m = new MeanAccumulator(K, D, cpu, DType.FLOAT32);
                 ClassStatistics s = new ClassStatistics(K, D, cpu, DType.FLOAT32);
                 CovarAccumulator c = new CovarAccumulator(cpu, means);
                 VarNormAccumulator v = new VarNormAccumulator(cpu, means);
                 DecAccumulator dec = new DecAccumulator(cpu, means, w)) {
                long[] em = hammer(8, m::accumulate, refused);
                long[] es = hammer(8, s::accumulate, refused);
                long[] ec = hammer(8, c::accumulate, refused);
                long[] ev = hammer(8, v::accumulate, refused);
                long[] ed = hammer(8, dec::accumulate, refused);
                wrong += java.util.Arrays.equals(em, m.counts()) ? 0 : 1;
                wrong += java.util.Arrays.equals(es, s.counts()) ? 0 : 1;
                wrong += java.util.Arrays.equals(ec, c.totalCounts()) ? 0 : 1;
                wrong += java.util.Arrays.equals(ev, v.compute().counts()) ? 0 : 1;
                wrong += java.util.Arrays.equals(ed, dec.compute().counts()) ? 0 : 1;
            }
        }
        System.out.println("SharingTest: " + refused + " of " + 50 * 5 * THREADS * 8 + " concurrent batches refused, "
                + wrong + " wrong totals");
        assertEquals(0, wrong, "trials whose totals differ from the accepted batches (" + refused + " batches refused)");
    }

    /** Item 8: the supported way to feed from many threads, one accumulator per thread, merged: exact totals. */
    @Test
    void perThreadAccumulatorsMergeExactly() throws Exception {
        int batches = 20;
        for (DType dtype : DType.values()) {
            try (MeanAccumulator single = new MeanAccumulator(K, D, cpu, dtype);
                 ClassStatistics singleStats = new ClassStatistics(K, D, cpu, dtype)) {
                for (int t = 0; t < THREADS; t++) {
                    for (int b = 0; b < batches; b++) {
                        single.accumulate(x(t, b), y(t, b));
                        singleStats.accumulate(x(t, b), y(t, b));
                    }
                }
                MeanAccumulator[] parts = new MeanAccumulator[THREADS];
                ClassStatistics[] statParts = new ClassStatistics[THREADS];
                Thread[] threads = new Thread[THREADS];
                for (int t = 0; t < THREADS; t++) {
                    parts[t] = new MeanAccumulator(K, D, cpu, dtype);
                    statParts[t] = new ClassStatistics(K, D, cpu, dtype);
                    int tt = t;
                    threads[t] = new Thread(() -> {
                        for (int b = 0; b < batches; b++) {
                            parts[tt].accumulate(x(tt, b), y(tt, b));
                            statParts[tt].accumulate(x(tt, b), y(tt, b));
                        }
                    });
                    threads[t].start();
                }
                for (Thread th : threads) {
                    th.join();
                }
                for (int t = 1; t < THREADS; t++) {
                    parts[0].merge(parts[t]);
                    statParts[0].merge(statParts[t]);
                    parts[t].close();
                    statParts[t].close();
                }
                assertArrayEquals(single.counts(), parts[0].counts(), dtype + " counts");
                assertArrayEquals(single.sums(), parts[0].sums(), dtype + " sums (integers: exact)");
                assertArrayEquals(singleStats.counts(), statParts[0].counts(), dtype + " one-pass counts");
                long n = 0;
                for (long c : parts[0].counts()) {
                    n += c;
                }
                assertEquals((long) THREADS * batches * ROWS, n);
                parts[0].close();
                statParts[0].close();
            }
        }
    }

    /** Item 8: a merge or compute racing an accumulate on the other thread is refused, not silently torn. */
    @Test
    void mergeOfAnAccumulatorInUseIsRefused() throws Exception {
        try (MeanAccumulator a = new MeanAccumulator(K, D, cpu, DType.FLOAT32);
             MeanAccumulator b = new MeanAccumulator(K, D, cpu, DType.FLOAT32)) {
            AtomicLong refused = new AtomicLong();
            Thread feeder = new Thread(() -> {
                for (int i = 0; i < 2000; i++) {
                    try {
                        b.accumulate(x(0, i), y(0, i));
                    } catch (ConcurrentModificationException e) {
                        refused.incrementAndGet();
                        i--; // refused while a merge read b: nothing was added, feed it again
                    }
                }
            });
            long merged = 0;
            feeder.start();
            while (feeder.isAlive()) {
                try (MeanAccumulator c = new MeanAccumulator(K, D, cpu, DType.FLOAT32)) {
                    try {
                        c.merge(b);
                        merged++;
                        long rows = java.util.Arrays.stream(c.counts()).sum();
                        assertEquals(0, rows % ROWS, "a merge saw a batch half added: " + rows + " rows");
                    } catch (ConcurrentModificationException e) {
                        refused.incrementAndGet();
                    }
                }
            }
            feeder.join();
            assertTrue(merged + refused.get() > 0);
            a.merge(b);
            assertEquals(2000L * ROWS, java.util.Arrays.stream(a.counts()).sum());
        }
    }

    /** Item 9: merging another dtype, or an accumulator into itself, is an error that changes nothing. */
    @Test
    void mergeOfAnotherDtypeOrOfItselfIsRefused() {
        Means means;
        try (MeanAccumulator m = new MeanAccumulator(K, D, cpu, DType.FLOAT32)) {
            m.accumulate(x(0, 0), y(0, 0));
            means = m.compute();
        }
        Classifier w = Classifier.of(new float[K * D], K, D);
        try (MeanAccumulator a = new MeanAccumulator(K, D, cpu, DType.FLOAT32);
             MeanAccumulator b = new MeanAccumulator(K, D, cpu, DType.FLOAT64);
             ClassStatistics sa = new ClassStatistics(K, D, cpu, DType.FLOAT32);
             ClassStatistics sb = new ClassStatistics(K, D, cpu, DType.FLOAT64);
             CovarAccumulator ca = new CovarAccumulator(K, D, cpu, DType.FLOAT32, means);
             CovarAccumulator cb = new CovarAccumulator(K, D, cpu, DType.FLOAT64, means);
             VarNormAccumulator va = new VarNormAccumulator(K, D, cpu, DType.FLOAT32, means);
             VarNormAccumulator vb = new VarNormAccumulator(K, D, cpu, DType.FLOAT64, means);
             DecAccumulator da = new DecAccumulator(cpu, means, w)) {
            for (java.util.function.BiConsumer<float[], int[]> f : List.<java.util.function.BiConsumer<float[], int[]>>of(
                    a::accumulate, b::accumulate, sa::accumulate, sb::accumulate, ca::accumulate, cb::accumulate, va::accumulate,
                    vb::accumulate, da::accumulate)) {
                f.accept(x(0, 0), y(0, 0));
            }
            long[] before = a.counts();
            BadInputTest.assertMessage(IllegalArgumentException.class, () -> a.merge(b), "FLOAT64", "FLOAT32");
            BadInputTest.assertMessage(IllegalArgumentException.class, () -> a.merge(a), "itself");
            BadInputTest.assertMessage(IllegalArgumentException.class, () -> sa.merge(sb), "FLOAT64", "FLOAT32");
            BadInputTest.assertMessage(IllegalArgumentException.class, () -> sa.merge(sa), "itself");
            BadInputTest.assertMessage(IllegalArgumentException.class, () -> ca.merge(cb), "FLOAT64", "FLOAT32");
            BadInputTest.assertMessage(IllegalArgumentException.class, () -> ca.merge(ca), "itself");
            BadInputTest.assertMessage(IllegalArgumentException.class, () -> va.merge(vb), "FLOAT64", "FLOAT32");
            BadInputTest.assertMessage(IllegalArgumentException.class, () -> va.merge(va), "itself");
            BadInputTest.assertMessage(IllegalArgumentException.class, () -> da.merge(da), "itself");
            assertArrayEquals(before, a.counts());
            assertArrayEquals(before, sa.counts());
            assertArrayEquals(before, ca.totalCounts());
            assertArrayEquals(before, va.compute().counts());
            assertArrayEquals(before, da.compute().counts());
        }
    }

    /** Item 10: close() twice is harmless (AutoCloseable's advice); use after close is still an error. */
    @Test
    void closeIsIdempotent() {
        Means means;
        try (MeanAccumulator m = new MeanAccumulator(K, D, cpu, DType.FLOAT32)) {
            m.accumulate(x(0, 0), y(0, 0));
            means = m.compute();
        }
        List<AutoCloseable> all = List.of(new MeanAccumulator(K, D, cpu, DType.FLOAT32),
                new ClassStatistics(K, D, cpu, DType.FLOAT32), new CovarAccumulator(cpu, means),
                new VarNormAccumulator(cpu, means), new DecAccumulator(cpu, means, Classifier.of(new float[K * D], K, D)));
        for (AutoCloseable a : all) {
            assertDoesNotThrow(a::close);
            assertDoesNotThrow(a::close, a.getClass().getSimpleName() + " closed twice");
        }
        MeanAccumulator m = (MeanAccumulator) all.get(0);
        assertThrows(IllegalStateException.class, () -> m.accumulate(x(0, 0), y(0, 0)));
        ClassStatistics s = (ClassStatistics) all.get(1);
        assertThrows(IllegalStateException.class, () -> s.accumulate(x(0, 0), y(0, 0)));
    }
}
