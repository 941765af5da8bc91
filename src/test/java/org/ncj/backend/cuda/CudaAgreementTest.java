package org.ncj.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import jcuda.Pointer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.ncj.DType;
import org.ncj.backend.Backend;
import org.ncj.backend.Batch;
import org.ncj.backend.CentredStats;
import org.ncj.backend.ClassSums;
import org.ncj.backend.Decisions;
import org.ncj.backend.SymmetricEigen;
import org.ncj.kernels.PairKernel;
import org.ncj.kernels.PairStats;

/** Randomised CPU-vs-CUDA agreement: class sums, centred statistics, decisions, pairwise, eigh. */
class CudaAgreementTest extends CudaTestBase {
    static final double TOL_F32 = 1e-4;
    static final double TOL_F64 = 1e-9;
    static final int[] KS = {1, 2, 3, 10, 1000, 5000};
    static final int[] DS = {1, 7, 67, 129};
    static final int[] NS = {0, 1, 100_000};

    private final Backend cpu = Backend.cpu();

    static double tol(DType t) {
        return t == DType.FLOAT32 ? TOL_F32 : TOL_F64;
    }

    /** Labelled rows: class-dependent offsets so sums are far from 0. */
    static Batch batch(int n, int d, int k, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * d];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(k);
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) (1 + 0.01 * ((y[i] * 7 + j) % 13) + r.nextDouble());
            }
        }
        return Batch.of(x, n, d, y);
    }

    static double[] means(int k, int d, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] m = new double[k * d];
        for (int i = 0; i < m.length; i++) {
            m[i] = 1.5 + r.nextDouble() * 0.1;
        }
        return m;
    }

    static void assertClose(double[] expected, double[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        double scale = 0;
        for (double e : expected) {
            if (!Double.isNaN(e)) {
                scale = Math.max(scale, Math.abs(e)); // the grids' diagonal is NaN
            }
        }
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(expected[i] - actual[i]);
            if (!(err <= tol * Math.max(scale, 1e-300)) && !(Double.isNaN(expected[i]) && Double.isNaN(actual[i]))) {
                fail(what + "[" + i + "]: expected " + expected[i] + " but was " + actual[i] + " (tol " + tol
                        + " of max |expected| " + scale + ")");
            }
        }
    }

    static Stream<Arguments> shapes() {
        List<Arguments> a = new ArrayList<>();
        for (int k : KS) {
            for (int d : DS) {
                for (int n : NS) {
                    for (DType t : DType.values()) {
                        a.add(Arguments.of(k, d, n, t));
                    }
                }
            }
        }
        return a.stream();
    }

    @ParameterizedTest(name = "classSums k={0} d={1} n={2} {3}")
    @MethodSource("shapes")
    void classSumsAgree(int k, int d, int n, DType t) {
        Batch b = batch(n, d, k, 31L * k + d + n);
        try (ClassSums g = cuda.classSums(k, d, t); ClassSums c = cpu.classSums(k, d, t)) {
            g.add(b);
            g.add(b);
            c.add(b);
            c.add(b);
            assertArrayEquals(c.counts(), g.counts(), "counts");
            assertClose(c.sums(), g.sums(), tol(t), "sums");
        }
    }

    @ParameterizedTest(name = "centred k={0} d={1} n={2} {3}")
    @MethodSource("shapes")
    void centredStatsAgree(int k, int d, int n, DType t) {
        if (n > 1 && (long) d * d * n > 400_000_000L) {
            n = 20_000; // CPU reference time
        }
        Batch b = batch(n, d, k, 17L * k + d + n);
        double[] m = means(k, d, 5);
        try (CentredStats g = cuda.centredStats(m, k, d, t, true, true);
             CentredStats c = cpu.centredStats(m, k, d, t, true, true)) {
            g.add(b);
            c.add(b);
            assertArrayEquals(c.counts(), g.counts(), "counts");
            assertClose(c.varNormSums(), g.varNormSums(), tol(t), "varNormSums");
            assertClose(c.scatter(), g.scatter(), tol(t), "scatter");
        }
    }

    @ParameterizedTest(name = "decisions k={0} d={1} n={2} {3}")
    @MethodSource("shapes")
    void decisionsAgree(int k, int d, int n, DType t) {
        if (k >= 1000 && n > 1) {
            n = 5_000; // CPU reference cost grows as n·k·d
        }
        Batch b = batch(n, d, k, 7L * k + d + n);
        SplittableRandom r = new SplittableRandom(k + d);
        double[] m = means(k, d, 11);
        double[] w = new double[k * d];
        double[] bias = new double[k];
        for (int i = 0; i < w.length; i++) {
            w[i] = r.nextGaussian();
        }
        for (int i = 0; i < k; i++) {
            bias[i] = r.nextGaussian() * 0.1;
        }
        int[] cand = java.util.stream.IntStream.range(0, k).filter(c -> c % 3 != 1 || k < 3).toArray();
        try (Decisions g = cuda.decisions(m, w, bias, cand, k, d, t);
             Decisions c = cpu.decisions(m, w, bias, cand, k, d, t)) {
            g.add(b);
            c.add(b);
            // Near ties are rechecked exactly as the CPU computes them: the decisions agree exactly.
            assertArrayEquals(c.counts(), g.counts(), "counts");
            assertArrayEquals(c.hits(), g.hits(), "hits");
        }
    }

    static Stream<Arguments> tieShapes() {
        List<Arguments> a = new ArrayList<>();
        for (int k : new int[] {2, 3, 10, 65, 1000}) {
            for (int d : new int[] {1, 7, 67}) {
                for (DType t : DType.values()) {
                    a.add(Arguments.of(k, d, t));
                }
            }
        }
        return a.stream();
    }

    /**
     * Exact ties (candidate 1 copied into 2: the lower wins) and ties below float resolution
     * (candidate 3 = candidate 4 moved by 2^-40), rows at the means and between them; both the
     * staged path and device-resident rows ({@code addDevice}).
     */
    @ParameterizedTest(name = "decisions ties k={0} d={1} {2}")
    @MethodSource("tieShapes")
    void decisionsAgreeOnTies(int k, int d, DType t) {
        SplittableRandom r = new SplittableRandom(31L * k + d);
        double[] m = points(k, d, 13L * k + d);
        double[] w = points(k, d, 17L * k + d);
        double[] bias = new double[k];
        for (int i = 0; i < k; i++) {
            bias[i] = 0.1 * r.nextGaussian();
        }
        if (k >= 3) {
            System.arraycopy(m, d, m, 2 * d, d);
            System.arraycopy(w, d, w, 2 * d, d);
            bias[2] = bias[1];
        }
        if (k >= 5) {
            for (int j = 0; j < d; j++) {
                m[3 * d + j] = m[4 * d + j] + Math.scalb(Math.abs(m[4 * d + j]) + 1e-3, -40);
                w[3 * d + j] = w[4 * d + j] - Math.scalb(Math.abs(w[4 * d + j]) + 1e-3, -40);
            }
            bias[3] = bias[4];
        }
        int n = 3000;
        float[] x = new float[n * d];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(k);
            int q = i % 3 == 0 ? Math.min(k - 1, 1 + i % 4) : y[i];
            for (int j = 0; j < d; j++) {
                double v = m[q * d + j];
                if (i % 3 == 1) {
                    v = 0.5 * (m[j] + m[(k - 1) * d + j]); // between two means
                } else if (i % 3 == 2) {
                    v += 0.3 * r.nextGaussian();
                }
                x[i * d + j] = (float) v;
            }
        }
        Batch b = Batch.of(x, n, d, y);
        int[] cand = java.util.stream.IntStream.range(0, k).toArray();
        try (CudaDecisions g = cuda.decisions(m, w, bias, cand, k, d, t);
             CudaDecisions gd = cuda.decisions(m, w, null, cand, k, d, t);
             Decisions c = cpu.decisions(m, w, bias, cand, k, d, t);
             Decisions cd = cpu.decisions(m, w, null, cand, k, d, t);
             DeviceMemory dx = DeviceMemory.allocate(cuda.context(), 4L * x.length);
             DeviceMemory dy = DeviceMemory.allocate(cuda.context(), 4L * n)) {
            g.add(b);
            c.add(b);
            assertArrayEquals(c.counts(), g.counts(), "counts");
            assertArrayEquals(c.hits(), g.hits(), "hits");
            Cuda.check(jcuda.driver.JCudaDriver.cuMemcpyHtoD(dx.ptr(), Pointer.to(x), 4L * x.length), "x");
            Cuda.check(jcuda.driver.JCudaDriver.cuMemcpyHtoD(dy.ptr(), Pointer.to(y), 4L * n), "y");
            gd.addDevice(dx.address(), dy.address(), n);
            cd.add(b);
            assertArrayEquals(cd.counts(), gd.counts(), "counts (addDevice, no bias)");
            assertArrayEquals(cd.hits(), gd.hits(), "hits (addDevice, no bias)");
        }
    }

    static Stream<Arguments> pairKernels() {
        List<Arguments> a = new ArrayList<>();
        for (int k : new int[] {1, 2, 3, 10, 65, 129, 1000}) {
            for (int d : new int[] {1, 7, 67}) {
                double[] v = new double[k];
                for (int i = 0; i < k; i++) {
                    v[i] = 0.5 + i % 5;
                }
                a.add(Arguments.of(k, d, new PairKernel.Dist()));
                a.add(Arguments.of(k, d, new PairKernel.Log()));
                a.add(Arguments.of(k, d, PairKernel.Riesz.forDimension(Math.max(d, 3))));
                a.add(Arguments.of(k, d, new PairKernel.Riesz(-1.0)));
                a.add(Arguments.of(k, d, new PairKernel.Cdnv(1.0, v)));
                a.add(Arguments.of(k, d, new PairKernel.Cosine()));
                a.add(Arguments.of(k, d, new PairKernel.MaxAngle(Math.max(k, 2))));
            }
        }
        return a.stream();
    }

    static double[] points(int k, int d, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] p = new double[k * d];
        for (int i = 0; i < p.length; i++) {
            p[i] = r.nextGaussian();
        }
        return p;
    }

    @ParameterizedTest(name = "pairwiseStats k={0} d={1} {2}")
    @MethodSource("pairKernels")
    void pairwiseStatsAgree(int k, int d, PairKernel kernel) {
        double[] p = points(k, d, k * 100L + d);
        PairStats c = cpu.pairwiseStats(p, k, d, kernel, 64);
        PairStats g = cuda.pairwiseStats(p, k, d, kernel, 64);
        assertEquals(c.count(), g.count(), "count");
        if (c.count() == 0) {
            return;
        }
        double tol = 1e-9;
        if (kernel.logSpace()) {
            assertEquals(c.logMean(), g.logMean(), tol * Math.max(1, Math.abs(c.logMean())), "logMean");
            if (c.count() > 1) {
                assertEquals(c.logVariance(), g.logVariance(), 1e-6 * Math.max(1, Math.abs(c.logVariance())), "logVariance");
            }
        } else {
            assertEquals(c.mean(), g.mean(), tol * Math.max(1, Math.abs(c.mean())), "mean");
            assertEquals(c.variance(), g.variance(), 1e-7 * Math.max(1e-12, Math.abs(c.variance())), "variance");
        }
    }

    @Test
    void pairwiseGridAgrees() {
        for (int k : new int[] {1, 2, 65, 130}) {
            double[] p = points(k, 7, k);
            double[] v = new double[k];
            java.util.Arrays.fill(v, 2.0);
            for (PairKernel kernel : new PairKernel[] {new PairKernel.Dist(), new PairKernel.Log(), new PairKernel.Riesz(3),
                    new PairKernel.Cdnv(1, v), new PairKernel.Cosine(), new PairKernel.MaxAngle(Math.max(2, k))}) {
                assertClose(cpu.pairwiseGrid(p, k, 7, kernel, 64), cuda.pairwiseGrid(p, k, 7, kernel, 64), 1e-9,
                        "grid " + kernel.name() + " k=" + k);
            }
        }
    }

    @Test
    void eighAgrees() {
        System.out.println("[cuda] eigh implementation: " + cuda.eighImplementation());
        for (int n : new int[] {1, 2, 7, 67, 129, 512}) {
            SplittableRandom r = new SplittableRandom(n);
            double[] a = new double[n * n];
            for (int i = 0; i < n; i++) {
                for (int j = i; j < n; j++) {
                    double v = r.nextGaussian();
                    a[i * n + j] = v;
                    a[j * n + i] = v;
                }
            }
            SymmetricEigen c = cpu.eigh(a, n);
            SymmetricEigen g = cuda.eigh(a, n);
            assertClose(c.values(), g.values(), 1e-9, "eigenvalues n=" + n);
            // Eigenvectors up to sign: residual ‖A v − λ v‖ small and unit norm.
            for (int e = 0; e < n; e++) {
                double norm = 0;
                double res = 0;
                for (int i = 0; i < n; i++) {
                    double s = 0;
                    for (int j = 0; j < n; j++) {
                        s += a[i * n + j] * g.vector(e, j);
                    }
                    res = Math.max(res, Math.abs(s - g.values()[e] * g.vector(e, i)));
                    norm += g.vector(e, i) * g.vector(e, i);
                }
                assertEquals(1.0, norm, 1e-9, "eigenvector norm");
                assertTrue(res < 1e-8 * Math.max(1, n), "residual " + res + " of eigenvector " + e + " n=" + n);
            }
        }
    }

    @Test
    void largeKHostBatchesAreSortedDeterministicAndSkewedPiecesFallBack() {
        int k = 1000;
        int d = 300; // two column blocks, the second partial
        Batch b = batch(20_000, d, k, 17);
        float[] xs = new float[6000 * d];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = 1f + (i % 101) * 0.01f;
        }
        int[] ys = new int[6000]; // one class holds every row: over the sorted kernel's limit
        Arrays.fill(ys, 999);
        Batch skewed = Batch.of(xs, 6000, d, ys);
        for (DType t : DType.values()) {
            double[] first = null;
            for (int rep = 0; rep < 2; rep++) {
                try (CudaClassSums g = cuda.classSums(k, d, t); ClassSums c = cpu.classSums(k, d, t)) {
                    g.add(b);
                    c.add(b);
                    assertTrue(g.sortedPieces > 0 && g.atomicPieces == 0, "sorted path for balanced pieces");
                    double[] s = g.sums();
                    assertArrayEquals(c.counts(), g.counts(), "counts");
                    assertClose(c.sums(), s, tol(t), "sorted class sums");
                    if (first == null) {
                        first = s;
                    } else {
                        assertArrayEquals(first, s, "sorted class sums are bit-for-bit repeatable");
                    }
                    g.add(skewed);
                    c.add(skewed);
                    assertTrue(g.atomicPieces > 0, "atomic fallback for a one-class piece");
                    assertArrayEquals(c.counts(), g.counts(), "counts after skewed");
                    assertClose(c.sums(), g.sums(), tol(t), "class sums after skewed");
                }
            }
        }
    }

    @Test
    void deviceResidentBatches() {
        int k = 10;
        int d = 67;
        int n = 5000;
        Batch b = batch(n, d, k, 99);
        float[] x = b.array();
        int[] y = b.labelArray();
        CudaContext ctx = cuda.context();
        try (DeviceMemory dx = DeviceMemory.allocate(ctx, 4L * x.length);
             DeviceMemory dy = DeviceMemory.allocate(ctx, 4L * y.length)) {
            ctx.makeCurrent();
            Cuda.check(jcuda.driver.JCudaDriver.cuMemcpyHtoD(dx.ptr(), Pointer.to(x), 4L * x.length), "cuMemcpyHtoD x");
            Cuda.check(jcuda.driver.JCudaDriver.cuMemcpyHtoD(dy.ptr(), Pointer.to(y), 4L * y.length), "cuMemcpyHtoD y");
            for (DType t : DType.values()) {
                try (CudaClassSums g = cuda.classSums(k, d, t); ClassSums c = cpu.classSums(k, d, t)) {
                    g.addDevice(dx.address(), dy.address(), n);
                    c.add(b);
                    assertArrayEquals(c.counts(), g.counts());
                    assertClose(c.sums(), g.sums(), tol(t), "device class sums");
                }
                double[] m = means(k, d, 3);
                try (CudaCentredStats g = cuda.centredStats(m, k, d, t, true, true);
                     CentredStats c = cpu.centredStats(m, k, d, t, true, true)) {
                    g.addDevice(dx.address(), dy.address(), n);
                    c.add(b);
                    assertArrayEquals(c.counts(), g.counts());
                    assertClose(c.scatter(), g.scatter(), tol(t), "device scatter");
                    assertClose(c.varNormSums(), g.varNormSums(), tol(t), "device varnorms");
                }
            }
        }
    }

    @Test
    void streamedBatchesUseBothStagingSlots() {
        // Many small batches and one larger than a staging slot: exercises the multi-slot buffering.
        int k = 10;
        int d = 129;
        try (ClassSums g = cuda.classSums(k, d, DType.FLOAT64); ClassSums c = cpu.classSums(k, d, DType.FLOAT64)) {
            for (int i = 0; i < 50; i++) {
                Batch b = batch(1 + 37 * i, d, k, i);
                g.add(b);
                c.add(b);
            }
            Batch big = batch(200_000, d, k, 1234); // 103 MB: several pieces of the 32 MiB slots
            g.add(big);
            c.add(big);
            assertArrayEquals(c.counts(), g.counts());
            assertClose(c.sums(), g.sums(), TOL_F64, "streamed sums");
        }
    }

    @Test
    void largeDirectAndHeapBatchesStageThroughTheFillPool() {
        // Pieces of millions of floats: split over the fill pool; a big-endian direct buffer read
        // from a non-zero position; K = 10 at d = 512 takes the float4 small kernel, K = 1000 the
        // sorted kernel (labels sorted on the caller while the pool copies).
        int d = 512;
        int n = 40_000; // 82 MB: three pieces of the 32 MiB slots
        for (int k : new int[] {10, 1000}) {
            Batch heap = batch(n, d, k, 99 + k);
            java.nio.ByteBuffer raw = java.nio.ByteBuffer.allocateDirect(4 * (n * d + 5)).order(java.nio.ByteOrder.BIG_ENDIAN);
            java.nio.FloatBuffer fb = raw.asFloatBuffer();
            fb.position(5);
            fb.put(heap.x().duplicate());
            fb.position(5);
            Batch direct = new Batch(fb, heap.labels().duplicate(), n, d);
            for (DType t : DType.values()) {
                try (ClassSums g = cuda.classSums(k, d, t); ClassSums h = cuda.classSums(k, d, t);
                     ClassSums c = cpu.classSums(k, d, t)) {
                    g.add(direct);
                    h.add(heap);
                    c.add(heap);
                    assertArrayEquals(c.counts(), g.counts());
                    assertArrayEquals(c.counts(), h.counts());
                    assertClose(c.sums(), g.sums(), tol(t), "direct big-endian batch, k=" + k + " " + t);
                    assertClose(c.sums(), h.sums(), tol(t), "heap batch, k=" + k + " " + t);
                    assertEquals(5, fb.position(), "batch buffer position untouched");
                }
            }
        }
    }

    @Test
    void addTotalsMerges() {
        try (ClassSums g = cuda.classSums(3, 7, DType.FLOAT64)) {
            Batch b = batch(100, 7, 3, 1);
            g.add(b);
            double[] s = g.sums();
            long[] n = g.counts();
            g.addTotals(s, n);
            double[] s2 = g.sums();
            for (int i = 0; i < s.length; i++) {
                assertEquals(2 * s[i], s2[i], 1e-12 * Math.abs(s[i]));
            }
        }
    }

    @Test
    void doubleCloseIsAnError() {
        ClassSums g = cuda.classSums(3, 7, DType.FLOAT32);
        g.close();
        assertThrows(IllegalStateException.class, g::close);
        assertThrows(IllegalStateException.class, g::sums);
    }

    @Test
    void outOfMemorySaysHowMuch() {
        CudaOutOfMemoryException e = assertThrows(CudaOutOfMemoryException.class,
                () -> DeviceMemory.allocate(cuda.context(), 1L << 50));
        System.out.println("[cuda] " + e.getMessage());
        assertTrue(e.getMessage().contains("free"), e.getMessage());
    }

    @Test
    void noLeakAfterTenThousandClassSums() {
        CudaContext ctx = cuda.context();
        // Warm up allocator pools so that the baseline is stable.
        cuda.classSums(10, 67, DType.FLOAT32).close();
        long live = DeviceMemory.LIVE_BYTES.get();
        long before = ctx.memInfo()[0];
        for (int i = 0; i < 10_000; i++) {
            try (ClassSums s = cuda.classSums(10 + i % 7, 67, i % 2 == 0 ? DType.FLOAT32 : DType.FLOAT64)) {
                if (i % 1000 == 0) {
                    s.add(batch(10, 67, 10, i));
                }
            }
        }
        long after = ctx.memInfo()[0];
        assertEquals(live, DeviceMemory.LIVE_BYTES.get(), "bytes held by live DeviceMemory");
        System.out.println("[cuda] free before " + before + " after " + after);
        assertTrue(Math.abs(before - after) <= (4L << 20), "free device memory moved by " + (before - after) + " bytes");
    }
}
