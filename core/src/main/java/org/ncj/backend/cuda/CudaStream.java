package org.ncj.backend.cuda;

import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;

/** A non-blocking CUDA stream. */
final class CudaStream extends Resource {
    private final CudaContext ctx;
    private final DevicePtr.Stream stream = new DevicePtr.Stream();

    CudaStream(CudaContext ctx, String name) {
        super("CUDA stream " + name);
        this.ctx = ctx;
        ctx.makeCurrent();
        Cuda.check(cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING), "cuStreamCreate " + name);
    }

    CUstream get() {
        ensureOpen();
        return stream;
    }

    long handle() {
        return stream.handle();
    }

    void sync() {
        ctx.makeCurrent();
        Cuda.check(cuStreamSynchronize(get()), "cuStreamSynchronize");
    }

    @Override
    void release() {
        ctx.makeCurrent();
        Cuda.check(cuStreamDestroy(stream), "cuStreamDestroy");
    }
}
