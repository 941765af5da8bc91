package org.ncj.backend.cuda;

import org.ncj.backend.Backend;
import org.ncj.golden.GoldenContract;

/** The golden suite on the GPU; skipped, with the reason printed, where CUDA is unavailable. */
class CudaGoldenTest extends GoldenContract {
    @Override
    protected Backend createBackend() {
        return CudaBackendContractTest.openOrSkip(getClass());
    }
}
