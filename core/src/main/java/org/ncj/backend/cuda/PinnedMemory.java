package org.ncj.backend.cuda;

import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import jcuda.Pointer;

/** Page-locked host memory ({@code cuMemAllocHost}) for asynchronous copies. */
final class PinnedMemory extends Resource {
    private final CudaContext ctx;
    private final Pointer ptr;
    private final long bytes;
    private final ByteBuffer buffer;

    private PinnedMemory(CudaContext ctx, Pointer ptr, long bytes) {
        super("pinned host memory of " + bytes + " bytes");
        this.ctx = ctx;
        this.ptr = ptr;
        this.bytes = bytes;
        this.buffer = ptr.getByteBuffer(0, bytes).order(ByteOrder.nativeOrder());
    }

    static PinnedMemory allocate(CudaContext ctx, long bytes) {
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("pinned staging buffer of " + bytes + " bytes exceeds 2 GiB");
        }
        ctx.makeCurrent();
        long size = Math.max(8, bytes);
        Pointer p = new Pointer();
        int r = cuMemAllocHost(p, size);
        if (r == jcuda.driver.CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
            throw new CudaOutOfMemoryException(r, "cuMemAllocHost of " + size + " bytes failed: out of pinned host memory", size);
        }
        Cuda.check(r, "cuMemAllocHost " + size + " bytes");
        return new PinnedMemory(ctx, p, size);
    }

    Pointer ptr() {
        ensureOpen();
        return ptr;
    }

    /** The whole buffer, native byte order, position 0. */
    ByteBuffer buffer() {
        ensureOpen();
        return buffer.duplicate().order(ByteOrder.nativeOrder()).clear();
    }

    long bytes() {
        return bytes;
    }

    @Override
    void release() {
        ctx.makeCurrent();
        Cuda.check(cuMemFreeHost(ptr), "cuMemFreeHost");
    }
}
