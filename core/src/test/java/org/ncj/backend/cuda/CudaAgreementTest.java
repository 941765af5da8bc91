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
import org.ncj.pairwise.PairKernel;
import org.ncj.pairwise.PairKernels;
import org.ncj.pairwise.PairStats;

/** Randomised CPU-vs-CUDA agreement: class sums, centred statistics, decisions, pairwise, eigh. */
class CudaAgreementTest extends CudaTestBase {
    static final double TOL_F32 = 1e-4;
    static final double TOL_F64 = 1e-9;
    // On the emulated driver (host CPU) the shapes still straddle every tile edge: K past the
    // small-K shared limit and centre's 1024 shared classes, D past the syrk tile 128, n past
    // the 128-row decisions block and the 256-thread grids, with a partial last block.
    static final boolean EMULATED = emulated();
    static final int[] KS = EMULATED ? new int[] {1, 2, 3, 10, 1100} : new int[] {1, 2, 3, 10, 1000, 5000};
    static final int[] DS = {1, 7, 67, 129};
    static final int[] NS = EMULATED ? new int[] {0, 1, 3001} : new int[] {0, 1, 100_000};

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
             CentredStats v = cuda.centredStats(m, k, d, t, false, true);
             CentredStats c = cpu.centredStats(m, k, d, t, true, true)) {
            g.add(b);
            v.add(b); // variance norms only: the kernel writes no centred rows
            c.add(b);
            assertArrayEquals(c.counts(), g.counts(), "counts");
            assertClose(c.varNormSums(), g.varNormSums(), tol(t), "varNormSums");
            assertClose(c.scatter(), g.scatter(), tol(t), "scatter");
            assertArrayEquals(c.counts(), v.counts(), "counts (variance norms only)");
            assertClose(c.varNormSums(), v.varNormSums(), tol(t), "varNormSums (variance norms only)");
            assertEquals(null, v.scatter(), "no scatter asked");
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
             DeviceMemory dx = DeviceMemory.allocate(cuda.session().context(), 4L * x.length);
             DeviceMemory dy = DeviceMemory.allocate(cuda.session().context(), 4L * n)) {
            g.add(b);
            c.add(b);
            assertArrayEquals(c.counts(), g.counts(), "counts");
            assertArrayEquals(c.hits(), g.hits(), "hits");
            Cuda.check(CudaTestBase.upload(dx.ptr(), Pointer.to(x), 4L * x.length), "x");
            Cuda.check(CudaTestBase.upload(dy.ptr(), Pointer.to(y), 4L * n), "y");
            gd.addDevice(dx.address(), dy.address(), n);
            cd.add(b);
            assertArrayEquals(cd.counts(), gd.counts(), "counts (addDevice, no bias)");
            assertArrayEquals(cd.hits(), gd.hits(), "hits (addDevice, no bias)");
        }
    }

    static Stream<Arguments> pairKernels() {
        List<Arguments> a = new ArrayList<>();
        for (int k : EMULATED ? new int[] {1, 2, 3, 10, 65, 129, 300} : new int[] {1, 2, 3, 10, 65, 129, 1000}) {
            for (int d : new int[] {1, 7, 67}) {
                double[] v = new double[k];
                for (int i = 0; i < k; i++) {
                    v[i] = 0.5 + i % 5;
                }
                for (PairKernel kernel : PairKernels.every(k, d, v)) {
                    a.add(Arguments.of(k, d, kernel));
                }
                a.add(Arguments.of(k, d, new PairKernel.Riesz(-1.0))); // outside log space
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

    /** (dtype, tile) pairs: the float64 kernel and both float32 GEMM tiles. */
    static final Object[][] PAIR_FORMS = {{DType.FLOAT64, 64}, {DType.FLOAT32, 64}, {DType.FLOAT32, 128}};

    static Stream<Arguments> pairKernelsAndForms() {
        return pairKernels().flatMap(a -> Arrays.stream(PAIR_FORMS).map(f -> Arguments.of(a.get()[0], a.get()[1], a.get()[2], f[0], f[1])));
    }

    @ParameterizedTest(name = "pairwiseStats k={0} d={1} {2} {3} tile {4}")
    @MethodSource("pairKernelsAndForms")
    void pairwiseStatsAgree(int k, int d, PairKernel kernel, DType dtype, int tile) {
        double[] p = points(k, d, k * 100L + d);
        PairStats c = cpu.pairwiseStats(p, k, d, kernel, 64);
        PairStats g = cuda.pairwiseStats(p, k, d, kernel, tile, dtype);
        assertEquals(c.count(), g.count(), "count");
        if (c.count() == 0) {
            return;
        }
        // float32: the GEMM's dot products (relative error of a dist2 ~1e-6, small ones
        // recomputed in float64); the variance's scale is the mean square of the values
        boolean f32 = dtype == DType.FLOAT32;
        double tol = f32 ? TOL_F32 : 1e-9;
        if (kernel.logSpace()) {
            assertEquals(c.logMean(), g.logMean(), tol * Math.max(1, Math.abs(c.logMean())), "logMean");
            if (c.count() > 1) {
                assertEquals(c.logVariance(), g.logVariance(), (f32 ? 1e-3 : 1e-6) * Math.max(1, Math.abs(c.logVariance())),
                        "logVariance");
            }
        } else {
            assertEquals(c.mean(), g.mean(), tol * Math.max(1, Math.abs(c.mean())), "mean");
            double vscale = f32 ? c.variance() + c.mean() * c.mean() : Math.max(1e-12, Math.abs(c.variance()));
            assertEquals(c.variance(), g.variance(), (f32 ? TOL_F32 : 1e-7) * vscale, "variance");
        }
    }

    @Test
    void pairwiseGridAgrees() {
        for (Object[] f : PAIR_FORMS) {
            DType dtype = (DType) f[0];
            int tile = (Integer) f[1];
            double tol = dtype == DType.FLOAT32 ? TOL_F32 : 1e-9;
            for (int k : new int[] {1, 2, 65, 130, 300}) {
                double[] p = points(k, 7, k);
                double[] v = new double[k];
                java.util.Arrays.fill(v, 2.0);
                for (PairKernel kernel : PairKernels.every(k, 5, v)) { // d = 5: Riesz s = 3
                    String what = "grid " + kernel.name() + " k=" + k + " " + dtype + " tile " + tile;
                    double[] want = cpu.pairwiseGrid(p, k, 7, kernel, 64);
                    assertClose(want, cuda.pairwiseGrid(p, k, 7, kernel, tile, dtype), tol, what);
                    // row bands of 128 rows (the path taken when K² doubles do not fit on the device)
                    assertClose(want, CudaPairwise.grid(cuda.session(), p, k, 7, kernel, CudaPairwise.form(dtype, tile),
                            CudaPairwise.BAND_QUANTUM), tol, what + " in bands of 128 rows");
                }
            }
        }
    }

    /** Equal and nearly equal rows: the GEMM form recomputes small distances from the float64 points. */
    @Test
    void pairwiseNearDuplicatesAgree() {
        int k = 200;
        int d = 67;
        double[] p = points(k, d, 99);
        for (int l = 0; l < d; l++) {
            p[d + l] = p[l];                                    // row 1 == row 0: distance exactly 0
            p[3 * d + l] = p[2 * d + l] * (1 + 1e-9 * (l % 3 - 1)); // row 3 ~ row 2, below float32 resolution
        }
        double d23 = 0;
        for (int l = 0; l < d; l++) {
            d23 += (p[2 * d + l] - p[3 * d + l]) * (p[2 * d + l] - p[3 * d + l]);
        }
        d23 = Math.sqrt(d23);
        for (Object[] f : PAIR_FORMS) {
            double[] g = cuda.pairwiseGrid(p, k, d, new PairKernel.Dist(), (Integer) f[1], (DType) f[0]);
            assertEquals(0.0, g[1], "dist(0, 1) " + Arrays.toString(f));
            assertEquals(d23, g[2 * k + 3], 1e-12 * d23, "dist(2, 3) " + Arrays.toString(f));
            PairStats s = cuda.pairwiseStats(p, k, d, new PairKernel.Dist(), (Integer) f[1], (DType) f[0]);
            PairStats c = cpu.pairwiseStats(p, k, d, new PairKernel.Dist(), 64);
            assertEquals(c.mean(), s.mean(), TOL_F32 * c.mean(), "mean " + Arrays.toString(f));
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
        CudaContext ctx = cuda.session().context();
        try (DeviceMemory dx = DeviceMemory.allocate(ctx, 4L * x.length);
             DeviceMemory dy = DeviceMemory.allocate(ctx, 4L * y.length)) {
            ctx.makeCurrent();
            Cuda.check(CudaTestBase.upload(dx.ptr(), Pointer.to(x), 4L * x.length), "cuMemcpyHtoD x");
            Cuda.check(CudaTestBase.upload(dy.ptr(), Pointer.to(y), 4L * y.length), "cuMemcpyHtoD y");
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

    /** Labels of {@link #deviceResidentLabelOrders}: every row in one class, sorted, uniform random. */
    static int[] labels(String order, int n, int k, long seed) {
        int[] y = new SplittableRandom(seed).ints(n, 0, k).toArray();
        switch (order) {
            case "one-class" -> Arrays.fill(y, k - 1);
            case "sorted" -> Arrays.sort(y);
            case "random" -> { }
            default -> throw new IllegalArgumentException(order);
        }
        return y;
    }

    static Stream<Arguments> deviceResidentShapes() {
        List<Arguments> a = new ArrayList<>();
        // k = 10 and 1000: centre's shared partials (k <= 1024), 1500 above them; d = 128 and 512
        // take the float4 paths (unless x is offset by one float), 67 the scalar ones
        for (int k : new int[] {10, 1000, 1500}) {
            for (int d : new int[] {67, 128, 512}) {
                for (String order : new String[] {"one-class", "sorted", "random"}) {
                    for (int offset : new int[] {0, 1}) {
                        a.add(Arguments.of(k, d, order, offset));
                    }
                }
            }
        }
        return a.stream();
    }

    /**
     * Device-pointer batches (the benchmark's path): class sums above the small-K limit take the
     * run-length large kernel, centred statistics with and without the scatter (variance norms
     * only: no centred rows written); one-class, sorted and random labels; x aligned or offset by
     * one float (scalar loads).
     */
    @ParameterizedTest(name = "deviceResident k={0} d={1} {2} x+{3}")
    @MethodSource("deviceResidentShapes")
    void deviceResidentLabelOrders(int k, int d, String order, int offset) {
        int n = EMULATED ? 1501 : 7001; // not a multiple of a warp's or a block's rows
        Batch b = batch(n, d, k, 1000L * k + d);
        float[] x = b.array();
        int[] y = labels(order, n, k, d);
        Batch lb = Batch.of(x, n, d, y);
        CudaContext ctx = cuda.session().context();
        try (DeviceMemory dx = DeviceMemory.allocate(ctx, 4L * (x.length + 1));
             DeviceMemory dy = DeviceMemory.allocate(ctx, 4L * y.length)) {
            ctx.makeCurrent();
            long xa = dx.address() + 4L * offset;
            Cuda.check(CudaTestBase.upload(DevicePtr.of(xa), Pointer.to(x), 4L * x.length), "cuMemcpyHtoD x");
            Cuda.check(CudaTestBase.upload(dy.ptr(), Pointer.to(y), 4L * y.length), "cuMemcpyHtoD y");
            for (DType t : DType.values()) {
                try (CudaClassSums g = cuda.classSums(k, d, t); ClassSums c = cpu.classSums(k, d, t)) {
                    g.addDevice(xa, dy.address(), n);
                    g.addDevice(xa, dy.address(), n); // totals add up across batches
                    c.add(lb);
                    c.add(lb);
                    assertArrayEquals(c.counts(), g.counts(), "device class sums counts");
                    assertClose(c.sums(), g.sums(), tol(t), "device class sums (" + (CudaClassSums.usesSmall(k, d, t) ? "small" : "large") + ")");
                }
                double[] m = means(k, d, 3);
                try (CudaCentredStats g = cuda.centredStats(m, k, d, t, true, true);
                     CudaCentredStats v = cuda.centredStats(m, k, d, t, false, true);
                     CentredStats c = cpu.centredStats(m, k, d, t, true, true)) {
                    g.addDevice(xa, dy.address(), n);
                    v.addDevice(xa, dy.address(), n);
                    v.addDevice(xa, dy.address(), 1); // a one-row batch
                    c.add(lb);
                    assertArrayEquals(c.counts(), g.counts(), "device centred counts");
                    assertClose(c.scatter(), g.scatter(), tol(t), "device scatter");
                    assertClose(c.varNormSums(), g.varNormSums(), tol(t), "device varnorms");
                    c.add(Batch.of(Arrays.copyOf(x, d), 1, d, new int[] {y[0]}));
                    assertArrayEquals(c.counts(), v.counts(), "device centred counts (variance norms only)");
                    assertClose(c.varNormSums(), v.varNormSums(), tol(t), "device varnorms (variance norms only)");
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
                () -> DeviceMemory.allocate(cuda.session().context(), 1L << 50));
        System.out.println("[cuda] " + e.getMessage());
        assertTrue(e.getMessage().contains("free"), e.getMessage());
    }

    @Test
    void noLeakAfterTenThousandClassSums() {
        CudaContext ctx = cuda.session().context();
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
