package org.ncj.backend.cuda;

import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemsetD32Async;

import jcuda.Pointer;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;

import java.util.SplittableRandom;

import org.ncj.DType;
import org.ncj.backend.Batch;
import org.ncj.pairwise.PairKernel;

/**
 * Short throughput check on device-resident data: class sums vs a device-to-device copy of the
 * same bytes, covariance (centre + syrk) vs the FP32 peak and cuBLAS ssyrk, pairwise statistics
 * at K = 8192, D = 1024 (float32 GEMM tiles 64 and 128, float64) vs the FP32 peak. Prints one line
 * per measurement.
 */
public final class Throughput {
    private Throughput() {
    }

    static double time(int reps, Runnable r) {
        r.run(); // warm-up (JIT, module, allocator)
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) {
            r.run();
        }
        return (System.nanoTime() - t0) / 1e9 / reps;
    }

    public static void main(String[] args) throws Throwable {
        String why = CudaBackend.unavailableReason();
        if (why != null) {
            System.out.println("Throughput: CUDA unavailable: " + why);
            System.exit(2);
        }
        try (CudaBackend cuda = new CudaBackend()) {
            CudaContext ctx = cuda.session().context();
            Stager st = cuda.session().stager();
            System.out.println("device: " + cuda.description());
            int d = 512;
            long n = 1L << 20; // 2 GiB of float32 rows
            int k = 1000;
            long bytes = 4L * n * d;
            try (DeviceMemory x = DeviceMemory.allocate(ctx, bytes);
                 DeviceMemory copy = DeviceMemory.allocate(ctx, bytes);
                 DeviceMemory y = DeviceMemory.allocate(ctx, 4L * n);
                 DeviceMemory yr = DeviceMemory.allocate(ctx, 4L * n)) {
                st.onCompute(() -> {
                    Cuda.check(cuMemsetD32Async(x.ptr(), Float.floatToIntBits(0.5f), n * d, st.compute.get()), "memset x");
                    Cuda.check(cuMemsetD32Async(y.ptr(), 7, n, st.compute.get()), "memset y");
                    st.compute.sync();
                });
                // uniform random labels in [0, 10): a valid label for both K = 10 and K = 1000, the
                // other extreme of the run-length kernels (a flush almost every row)
                int[] rl = new SplittableRandom(42).ints((int) n, 0, 10).toArray();
                int[] rl1000 = new SplittableRandom(43).ints((int) n, 0, k).toArray();
                ctx.makeCurrent();
                Cuda.check(CudaTestBase.upload(yr.ptr(), Pointer.to(rl), 4L * n), "cuMemcpyHtoD random labels");
                double tCopy = time(5, () -> st.onCompute(() -> {
                    Cuda.check(cuMemcpyDtoDAsync(copy.ptr(), x.ptr(), bytes, st.compute.get()), "cuMemcpyDtoDAsync");
                    st.compute.sync();
                }));
                System.out.printf("d2d copy: %.1f GB/s (read+write %.1f GB/s)%n", bytes / tCopy / 1e9, 2 * bytes / tCopy / 1e9);
                for (DType t : DType.values()) {
                    for (int kk : new int[] {10, k}) {
                        try (CudaClassSums s = cuda.classSums(kk, d, t)) {
                            double ts = time(5, () -> s.addDevice(x.address(), y.address(), n));
                            // A read-only kernel's limit is the memory's whole bandwidth, which the copy
                            // measures as its read + write traffic. Every row has label 7 here.
                            System.out.printf("class sums k=%d d=%d n=%d %s (%s, all rows in one class): %.1f GB/s read = %.0f%% of copy read+write %.1f GB/s%n",
                                    kk, d, n, t, CudaClassSums.usesSmall(kk, d, t) ? "small" : "large", bytes / ts / 1e9,
                                    100 * tCopy / (2 * ts), 2 * bytes / tCopy / 1e9);
                        }
                    }
                }
                // The large-K path with uniform random labels over all K = 1000 classes: one
                // atomic flush per row (the other extreme from one class).
                try (DeviceMemory yk = DeviceMemory.allocate(ctx, 4L * n);
                     CudaClassSums s = cuda.classSums(k, d, DType.FLOAT32)) {
                    ctx.makeCurrent();
                    Cuda.check(CudaTestBase.upload(yk.ptr(), Pointer.to(rl1000), 4L * n), "cuMemcpyHtoD random labels");
                    double ts = time(5, () -> s.addDevice(x.address(), yk.address(), n));
                    System.out.printf("class sums k=%d d=%d n=%d %s (%s, random labels): %.1f GB/s read = %.0f%% of copy read+write %.1f GB/s%n",
                            k, d, n, DType.FLOAT32, CudaClassSums.usesSmall(k, d, DType.FLOAT32) ? "small" : "large",
                            bytes / ts / 1e9, 100 * tCopy / (2 * ts), 2 * bytes / tCopy / 1e9);
                }
                // Variance norms (centring kernel, one read of the batch, no centred rows written)
                // with every row in class 7 and with random labels, and decisions (both
                // classifiers, K = 1000) on the same device-resident rows (labels all 7).
                int kv = 10;
                try (CudaCentredStats v = cuda.centredStats(new double[kv * d], kv, d, DType.FLOAT32, false, true)) {
                    double tv = time(5, () -> v.addDevice(x.address(), y.address(), n));
                    System.out.printf("variance norms k=%d d=%d n=%d FLOAT32 (all rows in one class): %.1f GB/s read = %.0f%% of copy read+write %.1f GB/s%n",
                            kv, d, n, bytes / tv / 1e9, 100 * tCopy / (2 * tv), 2 * bytes / tCopy / 1e9);
                    double tr = time(5, () -> v.addDevice(x.address(), yr.address(), n));
                    System.out.printf("variance norms k=%d d=%d n=%d FLOAT32 (random labels): %.1f GB/s read = %.0f%% of copy read+write %.1f GB/s%n",
                            kv, d, n, bytes / tr / 1e9, 100 * tCopy / (2 * tr), 2 * bytes / tCopy / 1e9);
                }
                long nd = 1L << 18;
                double[] dm = CudaAgreementTest.points(k, d, 3);
                double[] dw = CudaAgreementTest.points(k, d, 4);
                int[] cand = java.util.stream.IntStream.range(0, k).toArray();
                double fp32 = fp32Peak(ctx);
                for (DType t : DType.values()) {
                    try (CudaDecisions dec = cuda.decisions(dm, dw, null, cand, k, d, t)) {
                        double td = time(3, () -> dec.addDevice(x.address(), y.address(), nd));
                        // x·μ and w·x for every row and class. Every row is x = 0.5: its best class is far
                        // from a near tie for both classifiers and dtypes, so this times the tiled GEMM
                        // path, not the exact float64 recheck.
                        double fl = 2.0 * 2 * nd * k * d;
                        System.out.printf("decisions k=%d d=%d n=%d %s: %.2f TFLOP/s = %.0f%% of FP32 peak %.1f TFLOP/s%n",
                                k, d, nd, t, fl / td / 1e12, 100 * fl / td / fp32, fp32 / 1e12);
                    }
                }
                {
                    int ne = 1024;
                    double[] a = new double[ne * ne];
                    SplittableRandom re = new SplittableRandom(5);
                    for (int i = 0; i < ne; i++) {
                        for (int j = i; j < ne; j++) {
                            a[i * ne + j] = a[j * ne + i] = re.nextGaussian();
                        }
                    }
                    double tg = time(3, () -> cuda.eigh(a, ne));
                    double tcpu = time(1, () -> org.ncj.backend.cpu.CpuLinalg.eigh(a, ne));
                    System.out.printf("eigh n=%d float64 (%s): %.1f ms; CPU LAPACK (%s) same run: %.1f ms%n", ne,
                            cuda.eighImplementation(), tg * 1e3, org.ncj.backend.cpu.CpuLinalg.lapackName(), tcpu * 1e3);
                }
                long nc = 1L << 18;
                int dc = 1024;
                double peak = fp32Peak(ctx);
                double flops = (double) nc * dc * dc; // xᵀx upper triangle incl. diagonal ~ n d² / 2 multiply-adds
                for (DType t : DType.values()) {
                    double[] means = new double[dc];
                    try (CudaCentredStats c = cuda.centredStats(means, 1, dc, t, true, false)) {
                        // labels are 7 in y: use class 0 by a zeroed label buffer
                        try (DeviceMemory y0 = DeviceMemory.zeroed(ctx, 4L * nc, st.compute.get())) {
                            double tc = time(3, () -> c.addDevice(x.address(), y0.address(), nc));
                            System.out.printf("covariance (centre+syrk) n=%d d=%d %s: %.2f TFLOP/s = %.0f%% of FP32 peak %.1f TFLOP/s%n",
                                    nc, dc, t, flops / tc / 1e12, 100 * flops / tc / peak, peak / 1e12);
                        }
                    }
                }
                try (CuBlas blas = new CuBlas(ctx); DeviceMemory cm = DeviceMemory.zeroed(ctx, 4L * dc * dc, st.compute.get())) {
                    blas.setStream(st.compute);
                    double tb = time(3, () -> st.onCompute(() -> {
                        try {
                            blas.ssyrkRowMajor(x.address(), nc, dc, cm.address());
                        } catch (Throwable e) {
                            throw new IllegalStateException(e);
                        }
                        st.compute.sync();
                    }));
                    System.out.printf("cuBLAS ssyrk baseline n=%d d=%d: %.2f TFLOP/s%n", nc, dc, flops / tb / 1e12);
                } catch (RuntimeException | LinkageError e) {
                    System.out.println("cuBLAS baseline skipped: " + e.getMessage());
                }
            }
            hostBatchClassSums(cuda);
            pairwiseStats(cuda);
            perClassCovariance(cuda);
        }
    }

    /**
     * Per-class covariance (K×D×D, {@code PerClassCovariance}: one centred statistics operation per
     * class, host batches) at K = 64, D = 256, n = 2^18 rows in batches of 16,384, as TFLOP/s
     * counted n·D² (the full outer products), vs the FP32 peak and vs the pooled covariance of
     * the same batches in the same run.
     */
    static void perClassCovariance(CudaBackend cuda) {
        CudaContext ctx = cuda.session().context();
        double peak = fp32Peak(ctx);
        int k = 64;
        int d = 256;
        int n = 1 << 18;
        int batch = 16384;
        SplittableRandom r = new SplittableRandom(9);
        java.util.List<Batch> data = new java.util.ArrayList<>();
        for (int r0 = 0; r0 < n; r0 += batch) {
            float[] x = new float[batch * d];
            int[] y = new int[batch];
            for (int i = 0; i < batch; i++) {
                y[i] = r.nextInt(k);
                for (int j = 0; j < d; j++) {
                    x[i * d + j] = (float) (y[i] % 7 + r.nextGaussian());
                }
            }
            data.add(Batch.of(x, batch, d, y));
        }
        org.ncj.accumulate.Means means;
        try (org.ncj.accumulate.MeanAccumulator m = new org.ncj.accumulate.MeanAccumulator(k, d, cuda, DType.FLOAT32)) {
            for (Batch b : data) {
                m.accumulate(b);
            }
            means = m.compute();
        }
        double flops = (double) n * d * d;
        double[] sink = new double[1];
        double tp = time(2, () -> org.ncj.accumulate.PerClassCovariance.compute(cuda, means, data, Long.MAX_VALUE,
                (c, count, sigma) -> sink[0] += sigma[0]));
        double tw = time(2, () -> {
            try (org.ncj.accumulate.CovarAccumulator cov = new org.ncj.accumulate.CovarAccumulator(cuda, means)) {
                for (Batch b : data) {
                    cov.accumulate(b);
                }
                sink[0] += cov.compute().sigmaW()[0];
            }
        });
        System.out.printf("per-class covariance K=%d d=%d n=%d FLOAT32 (host batches of %d): %.2f TFLOP/s = %.0f%% of FP32 peak %.1f TFLOP/s; "
                        + "pooled covariance of the same batches %.2f TFLOP/s (per-class time / pooled time = %.2f)%n",
                k, d, n, batch, flops / tp / 1e12, 100 * flops / tp / peak, peak / 1e12, flops / tw / 1e12, tp / tw);
    }

    /** FP32 peak of device 0 in FLOP/s: SMs × 128 FP32 lanes (Volta..Hopper) × 2 (FMA) × clock. */
    static double fp32Peak(CudaContext ctx) {
        CUdevice dev = new CUdevice();
        jcuda.driver.JCudaDriver.cuDeviceGet(dev, 0);
        int[] clock = new int[1];
        cuDeviceGetAttribute(clock, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_CLOCK_RATE, dev);
        return ctx.sms * 128.0 * 2 * clock[0] * 1e3;
    }

    /**
     * Pairwise statistics (dist kernel) at K = 8192, D = 1024 in the three forms (float32 GEMM
     * tiles 64 and 128, float64 direct): the kernel alone on uploaded operands, and the whole
     * {@code pairwiseStats} call (float32 rounding, norms and uploads included), as TFLOP/s
     * counted K(K-1)/2 pairs x 2D flops, vs the FP32 peak of this device measured from its clock.
     */
    static void pairwiseStats(CudaBackend cuda) {
        CudaContext ctx = cuda.session().context();
        Stager st = cuda.session().stager();
        double peak = fp32Peak(ctx);
        int kp = 8192;
        int dp = 1024;
        double[] p = CudaAgreementTest.points(kp, dp, 1);
        double flops = (double) kp * (kp - 1) / 2 * 2 * dp;
        PairKernel dist = new PairKernel.Dist();
        for (Object[] f : CudaAgreementTest.PAIR_FORMS) {
            DType dtype = (DType) f[0];
            int tile = (Integer) f[1];
            CudaPairwise.Form form = CudaPairwise.form(dtype, tile);
            int[] g = CudaPairwise.statsGrid(kp, form.tile, ctx.sms);
            try (CudaPairwise.Operands ops = new CudaPairwise.Operands(ctx, st.compute, p, kp, dp, dist, form);
                 DeviceMemory partials = DeviceMemory.allocate(ctx, 8L * 4 * g[0] * g[1])) {
                double tk = time(5, () -> st.onCompute(() -> {
                    ops.launchStats(st, partials);
                    st.compute.sync();
                }));
                double tc = time(3, () -> cuda.pairwiseStats(p, kp, dp, dist, tile, dtype));
                System.out.printf("pairwise stats dist K=%d d=%d %s (%s): kernel %.2f ms = %.2f TFLOP/s = %.0f%% of FP32 peak %.1f TFLOP/s; "
                                + "whole call %.2f ms = %.2f TFLOP/s = %.0f%% of FP32 peak%n",
                        kp, dp, dtype, form, tk * 1e3, flops / tk / 1e12, 100 * flops / tk / peak, peak / 1e12, tc * 1e3,
                        flops / tc / 1e12, 100 * flops / tc / peak);
            }
        }
    }

    /**
     * Class sums through the host-batch path (pinned staging + H2D copy + kernel, as {@code add}
     * runs them) with uniform random labels, vs the pinned H2D bandwidth of the same run: the
     * host path cannot beat the copy, so "% of H2D" is ours vs the limit.
     */
    static void hostBatchClassSums(CudaBackend cuda) {
        CudaContext ctx = cuda.session().context();
        Stager st = cuda.session().stager();
        int d = 512;
        long chunk = 64L << 20;
        try (PinnedMemory h = PinnedMemory.allocate(ctx, chunk); DeviceMemory dv = DeviceMemory.allocate(ctx, chunk)) {
            int reps = 16;
            double t = time(3, () -> st.onCompute(() -> {
                for (int i = 0; i < reps; i++) {
                    Cuda.check(cuMemcpyHtoDAsync(dv.ptr(), h.ptr(), chunk, st.copy.get()), "cuMemcpyHtoDAsync");
                }
                st.copy.sync();
            }));
            System.out.printf("pinned H2D copy: %.1f GB/s (%d x %d MiB); host batches staged by %d copying threads%n",
                    reps * chunk / t / 1e9, reps, chunk >> 20, st.fillThreads());
            double h2d = reps * chunk / t;
            int[][] shapes = {{10, 1 << 19}, {1000, 1 << 20}, {50257, 1 << 18}};
            float[] x = new float[(1 << 20) * d]; // 2 GiB, shared by the shapes (fits -Xmx4g)
            SplittableRandom rx = new SplittableRandom(1);
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rx.nextDouble();
            }
            for (int[] sh : shapes) {
                int k = sh[0];
                int n = sh[1];
                int[] y = new SplittableRandom(k).ints(n, 0, k).toArray();
                Batch b = new Batch(java.nio.FloatBuffer.wrap(x), java.nio.IntBuffer.wrap(y), n, d);
                double bytes = 4.0 * n * d + 4.0 * n;
                for (DType dt : DType.values()) {
                    try (CudaClassSums s = cuda.classSums(k, d, dt)) {
                        double ts = time(3, () -> {
                            s.add(b);
                            s.counts(); // waits for the staged work
                        });
                        // determinism of the sorted path: two fresh accumulators, same bits
                        String det = "";
                        if (!CudaClassSums.usesSmall(k, d, dt)) {
                            try (CudaClassSums a = cuda.classSums(k, d, dt); CudaClassSums c = cuda.classSums(k, d, dt)) {
                                a.add(b);
                                c.add(b);
                                det = ", bitwise repeatable " + java.util.Arrays.equals(a.sums(), c.sums());
                            }
                        }
                        String path = CudaClassSums.usesSmall(k, d, dt) ? "small"
                                : "sorted pieces " + s.sortedPieces + ", atomic pieces " + s.atomicPieces;
                        System.out.printf("class sums HOST batch k=%d d=%d n=%d %s (%s): %.1f GB/s incl. H2D = %.0f%% of pinned H2D%s%n",
                                k, d, n, dt, path, bytes / ts / 1e9, 100 * bytes / ts / h2d, det);
                    }
                }
            }
            // the same K = 10 batch from a direct (off-heap, native order) FloatBuffer: copied into
            // the pinned slots by the fill pool like a heap array (no host registration)
            int k = shapes[0][0];
            int n = shapes[0][1];
            java.nio.FloatBuffer direct = java.nio.ByteBuffer.allocateDirect(4 * n * d)
                    .order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer().put(0, x, 0, n * d);
            int[] y = new SplittableRandom(k).ints(n, 0, k).toArray();
            Batch b = new Batch(direct, java.nio.IntBuffer.wrap(y), n, d);
            double bytes = 4.0 * n * d + 4.0 * n;
            try (CudaClassSums s = cuda.classSums(k, d, DType.FLOAT32)) {
                double ts = time(3, () -> {
                    s.add(b);
                    s.counts();
                });
                System.out.printf("class sums HOST batch (direct FloatBuffer) k=%d d=%d n=%d %s (small): %.1f GB/s incl. H2D = %.0f%% of pinned H2D%n",
                        k, d, n, DType.FLOAT32, bytes / ts / 1e9, 100 * bytes / ts / h2d);
            }
        }
    }
}
