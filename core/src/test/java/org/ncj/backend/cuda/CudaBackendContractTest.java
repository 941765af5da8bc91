package org.ncj.backend.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.ncj.backend.Backend;
import org.ncj.backend.BackendContract;

/** The backend contract on the GPU; skipped, with the reason printed, where CUDA is unavailable. */
class CudaBackendContractTest extends BackendContract {
    @Override
    protected Backend createBackend() {
        return openOrSkip(getClass());
    }

    static Backend openOrSkip(Class<?> test) {
        String why = CudaBackend.unavailableReason();
        CudaTestBase.failIfEmulationAskedFor(why);
        if (why != null) {
            System.out.println("[skip] " + test.getSimpleName() + ": CUDA unavailable: " + why);
        }
        assumeTrue(why == null, () -> "CUDA unavailable: " + why);
        return new CudaBackend();
    }
}
