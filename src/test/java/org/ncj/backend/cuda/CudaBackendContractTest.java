package org.ncj.backend.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.ncj.backend.Backend;
import org.ncj.backend.BackendContract;

/** The backend contract on the GPU; skipped with the reason where CUDA is unavailable. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CudaBackendContractTest extends BackendContract {
    private CudaBackend cuda;

    @BeforeAll
    void open() {
        String why = CudaBackend.unavailableReason();
        if (why != null) {
            System.out.println("[skip] CudaBackendContractTest: CUDA unavailable: " + why);
        }
        assumeTrue(why == null, () -> "CUDA unavailable: " + why);
        cuda = new CudaBackend();
    }

    @AfterAll
    void close() {
        if (cuda != null) {
            cuda.close();
        }
    }

    @Override
    protected Backend backend() {
        return cuda;
    }
}
