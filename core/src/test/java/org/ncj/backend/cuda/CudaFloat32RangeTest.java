package org.ncj.backend.cuda;

import org.ncj.accumulate.Float32RangeTest;
import org.ncj.backend.Backend;

/** Offsets and extreme scales in float32 on the GPU; skipped, with the reason printed, where CUDA is unavailable. */
class CudaFloat32RangeTest extends Float32RangeTest {
    @Override
    protected Backend createBackend() {
        return CudaBackendContractTest.openOrSkip(getClass());
    }
}
