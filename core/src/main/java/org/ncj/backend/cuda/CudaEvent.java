package org.ncj.backend.cuda;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuStreamWaitEvent;

import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;

/** A CUDA event without timing, for ordering the copy and compute streams. */
final class CudaEvent extends Resource {
    private final CudaContext ctx;
    private final CUevent event = new CUevent();

    CudaEvent(CudaContext ctx) {
        super("CUDA event");
        this.ctx = ctx;
        ctx.makeCurrent();
        Cuda.check(cuEventCreate(event, CUevent_flags.CU_EVENT_DISABLE_TIMING), "cuEventCreate");
    }

    void record(CudaStream stream) {
        Cuda.check(cuEventRecord(event, stream.get()), "cuEventRecord");
    }

    /** Makes {@code stream} wait for the last recorded work (no-op if never recorded). */
    void waitOn(CudaStream stream) {
        Cuda.check(cuStreamWaitEvent(stream.get(), event, 0), "cuStreamWaitEvent");
    }

    /** Blocks the host until the recorded work is done (returns at once if never recorded). */
    void sync() {
        Cuda.check(cuEventSynchronize(event), "cuEventSynchronize");
    }

    @Override
    void release() {
        ctx.makeCurrent();
        Cuda.check(cuEventDestroy(event), "cuEventDestroy");
    }
}
