package org.ncj.backend.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;

import jcuda.Pointer;

import org.ncj.DType;
import org.ncj.backend.Batch;
import org.ncj.backend.ClassSums;

/**
 * Class sums and counts with float64 totals in device memory. Chooses the shared-memory kernel
 * when a block's private K×D copy fits in 48 KiB ({@code nc_class_sums_small_*}), else one warp
 * per row with atomics into the totals ({@code nc_class_sums_large_*}).
 */
public final class CudaClassSums extends Resource implements ClassSums {
    private static final int SMALL_SHARED_LIMIT = 48 * 1024;

    private final CudaBackend backend;
    private final CudaContext ctx;
    private final int k;
    private final int d;
    private final DType dtype;
    private final DeviceMemory sums;
    private final DeviceMemory counts;

    CudaClassSums(CudaBackend backend, int k, int d, DType dtype) {
        super("ClassSums(k=" + k + ", d=" + d + ", " + dtype + ")");
        this.backend = backend;
        this.ctx = backend.context();
        this.k = k;
        this.d = d;
        this.dtype = dtype;
        CudaStream s = backend.stager().compute;
        this.sums = DeviceMemory.zeroed(ctx, 8L * k * d, s.get());
        try {
            this.counts = DeviceMemory.zeroed(ctx, 8L * k, s.get());
        } catch (RuntimeException e) {
            sums.close();
            throw e;
        }
    }

    /** Dynamic shared bytes of the small-K kernel. */
    static long smallShared(int k, int d, DType dtype) {
        return (long) k * d * (dtype == DType.FLOAT32 ? 4 : 8) + 4L * k;
    }

    /** Whether the small-K (shared-memory) kernel is used for this shape. */
    static boolean usesSmall(int k, int d, DType dtype) {
        return smallShared(k, d, dtype) <= SMALL_SHARED_LIMIT;
    }

    @Override
    public void add(Batch batch) {
        ensureOpen();
        if (batch.labels() == null) {
            throw new IllegalArgumentException("class sums need labels");
        }
        if (batch.n() == 0) {
            return;
        }
        backend.stager().stage(batch, 0, (x, y, n, stream) -> launch(x, y, n, stream));
    }

    /**
     * Adds {@code n} rows that already live on the device: {@code x} is the address of n×d floats
     * (row-major), {@code y} of n ints, valid labels in [0, k). The caller's writes to them must be
     * complete (synchronize the producing stream); returns after the kernels finished reading them.
     */
    public void addDevice(long x, long y, long n) {
        ensureOpen();
        if (n <= 0) {
            return;
        }
        Stager st = backend.stager();
        st.onCompute(() -> {
            launch(x, y, n, st.compute);
            st.compute.sync();
        });
    }

    private void launch(long x, long y, long n, CudaStream stream) {
        boolean f32 = dtype == DType.FLOAT32;
        if (usesSmall(k, d, dtype)) {
            int grid = (int) Math.max(1, Math.min((n + 255) / 256, 4L * ctx.sms));
            ctx.launch(f32 ? Kernel.CLASS_SUMS_SMALL_F32 : Kernel.CLASS_SUMS_SMALL_F64, grid, 1, 256,
                    (int) smallShared(k, d, dtype), stream.get(), x, y, n, d, k, sums, counts);
        } else {
            int grid = (int) Math.max(1, Math.min((n + 7) / 8, 65535L * 8));
            ctx.launch(f32 ? Kernel.CLASS_SUMS_LARGE_F32 : Kernel.CLASS_SUMS_LARGE_F64, grid, 1, 256, 0,
                    stream.get(), x, y, n, d, k, sums, counts);
        }
    }

    @Override
    public void addTotals(double[] otherSums, long[] otherCounts) {
        ensureOpen();
        double[] s = sums();
        long[] c = counts();
        for (int i = 0; i < s.length; i++) {
            s[i] += otherSums[i];
        }
        for (int i = 0; i < k; i++) {
            c[i] += otherCounts[i];
        }
        ctx.makeCurrent();
        Cuda.check(cuMemcpyHtoD(sums.ptr(), Pointer.to(s), 8L * s.length), "cuMemcpyHtoD sums");
        Cuda.check(cuMemcpyHtoD(counts.ptr(), Pointer.to(c), 8L * k), "cuMemcpyHtoD counts");
    }

    @Override
    public double[] sums() {
        ensureOpen();
        backend.stager().sync();
        double[] s = new double[k * d];
        Cuda.check(cuMemcpyDtoH(Pointer.to(s), sums.ptr(), 8L * s.length), "cuMemcpyDtoH sums");
        return s;
    }

    @Override
    public long[] counts() {
        ensureOpen();
        backend.stager().sync();
        long[] c = new long[k];
        Cuda.check(cuMemcpyDtoH(Pointer.to(c), counts.ptr(), 8L * k), "cuMemcpyDtoH counts");
        return c;
    }

    /** Device address of the K×D float64 sums (valid until close; synchronize before reading). */
    public long sumsAddress() {
        return sums.address();
    }

    @Override
    void release() {
        backend.stager().sync();
        try {
            sums.close();
        } finally {
            counts.close();
            backend.forget(this);
        }
    }
}
