package org.ncj.backend.cuda;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemsetD8Async;

import java.util.concurrent.atomic.AtomicLong;

import jcuda.Pointer;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;

/** Device memory from {@code cuMemAlloc}, freed once by its owner. */
final class DeviceMemory extends Resource {
    /** Bytes currently allocated by this library (for leak checks). */
    static final AtomicLong LIVE_BYTES = new AtomicLong();

    private final CudaContext ctx;
    private final DevicePtr ptr;
    private final long bytes;

    private DeviceMemory(CudaContext ctx, DevicePtr ptr, long bytes) {
        super("device memory of " + bytes + " bytes");
        this.ctx = ctx;
        this.ptr = ptr;
        this.bytes = bytes;
    }

    /**
     * Allocates {@code bytes} (at least 1). On out-of-memory throws a
     * {@link CudaOutOfMemoryException} saying how much was asked for and how much is free.
     */
    static DeviceMemory allocate(CudaContext ctx, long bytes) {
        ctx.makeCurrent();
        long size = Math.max(1, bytes);
        DevicePtr p = new DevicePtr();
        int r = cuMemAlloc(p, size);
        if (r == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
            long[] info = ctx.memInfo();
            throw new CudaOutOfMemoryException(r, "cuMemAlloc of " + size + " bytes failed: out of device memory ("
                    + info[0] + " of " + info[1] + " bytes free)", size);
        }
        Cuda.check(r, "cuMemAlloc " + size + " bytes");
        LIVE_BYTES.addAndGet(size);
        return new DeviceMemory(ctx, p, size);
    }

    /** Allocates and zeroes (asynchronously on {@code stream}). */
    static DeviceMemory zeroed(CudaContext ctx, long bytes, CUstream stream) {
        DeviceMemory m = allocate(ctx, bytes);
        try {
            Cuda.check(cuMemsetD8Async(m.ptr, (byte) 0, m.bytes, stream), "cuMemsetD8Async");
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        return m;
    }

    /** The first {@code n} float64 values, copied to the host (synchronous; order the kernels first). */
    double[] readDoubles(int n, String what) {
        double[] v = new double[n];
        Cuda.check(cuMemcpyDtoH(Pointer.to(v), ptr(), 8L * n), "cuMemcpyDtoH " + what);
        return v;
    }

    /** The first {@code n} 64-bit integers, copied to the host (synchronous; order the kernels first). */
    long[] readLongs(int n, String what) {
        long[] v = new long[n];
        Cuda.check(cuMemcpyDtoH(Pointer.to(v), ptr(), 8L * n), "cuMemcpyDtoH " + what);
        return v;
    }

    /** Zeroes the whole buffer, in order on {@code stream}. */
    void clear(CUstream stream) {
        Cuda.check(cuMemsetD8Async(ptr(), (byte) 0, bytes, stream), "cuMemsetD8Async");
    }

    DevicePtr ptr() {
        ensureOpen();
        return ptr;
    }

    long address() {
        ensureOpen();
        return ptr.address();
    }

    long bytes() {
        return bytes;
    }

    @Override
    void release() {
        ctx.makeCurrent();
        LIVE_BYTES.addAndGet(-bytes);
        Cuda.check(cuMemFree(ptr), "cuMemFree");
    }
}
