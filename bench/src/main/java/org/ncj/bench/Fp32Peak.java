package org.ncj.bench;

import java.util.stream.IntStream;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's float32 peak as Java reaches it: twelve independent chains of fused multiply-adds
 * on registers (the preferred vector length, no memory traffic), one per core, compiled first,
 * then best of three. A limit for kernels bound by arithmetic: no float32 kernel on this machine
 * can exceed it. Needs {@code --add-modules jdk.incubator.vector} at run time (the run scripts
 * add it).
 */
public final class Fp32Peak {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int CHAINS = 12;
    private static final long ITERS = 20_000_000;

    private Fp32Peak() {
    }

    /** GFLOP/s on all cores (2 flops per lane per fused multiply-add). */
    public static double gflops() {
        int threads = Runtime.getRuntime().availableProcessors();
        // Compiled before it is timed: once, all three timed calls entered the chains' loop before
        // C2 had compiled it and the peak came out at 8 GFLOP/s.
        double warm = 0;
        for (int rep = 0; rep < 2000; rep++) {
            warm += chains(10_000, rep);
        }
        used(warm);
        double best = 0;
        for (int rep = 0; rep < 3; rep++) {
            long t0 = System.nanoTime();
            double sink = IntStream.range(0, threads).parallel().mapToDouble(i -> chains(ITERS, i)).sum();
            long t1 = System.nanoTime();
            used(sink);
            best = Math.max(best, 2.0 * CHAINS * S.length() * ITERS * threads / (t1 - t0));
        }
        return best;
    }

    /** Uses the chains' sum, so the JIT keeps them; it is never NaN. */
    private static void used(double sum) {
        if (Double.isNaN(sum)) {
            throw new AssertionError("the chains' sum is NaN");
        }
    }

    private static float chains(long iters, float seed) {
        FloatVector a0 = FloatVector.broadcast(S, seed);
        FloatVector a1 = a0.add(1);
        FloatVector a2 = a0.add(2);
        FloatVector a3 = a0.add(3);
        FloatVector a4 = a0.add(4);
        FloatVector a5 = a0.add(5);
        FloatVector a6 = a0.add(6);
        FloatVector a7 = a0.add(7);
        FloatVector a8 = a0.add(8);
        FloatVector a9 = a0.add(9);
        FloatVector a10 = a0.add(10);
        FloatVector a11 = a0.add(11);
        // x ← 0.999999x + 1e-7 stays near its start: no overflow, no subnormals.
        FloatVector m = FloatVector.broadcast(S, 0.999999f);
        FloatVector c = FloatVector.broadcast(S, 1e-7f);
        for (long i = 0; i < iters; i++) {
            a0 = a0.fma(m, c);
            a1 = a1.fma(m, c);
            a2 = a2.fma(m, c);
            a3 = a3.fma(m, c);
            a4 = a4.fma(m, c);
            a5 = a5.fma(m, c);
            a6 = a6.fma(m, c);
            a7 = a7.fma(m, c);
            a8 = a8.fma(m, c);
            a9 = a9.fma(m, c);
            a10 = a10.fma(m, c);
            a11 = a11.fma(m, c);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(VectorOperators.ADD);
    }
}
