package org.ncj.backend.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * Base of GPU tests: skips the whole class, printing the reason, where
 * {@link CudaBackend#unavailableReason()} is not null; else opens one backend for the class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class CudaTestBase {
    protected CudaBackend cuda;

    @BeforeAll
    void openCuda() {
        String why = CudaBackend.unavailableReason();
        failIfEmulationAskedFor(why);
        if (why != null) {
            System.out.println("[skip] " + getClass().getSimpleName() + ": CUDA unavailable: " + why);
        }
        assumeTrue(why == null, () -> "CUDA unavailable: " + why);
        cuda = new CudaBackend();
        System.out.println("[cuda] " + getClass().getSimpleName() + " on " + cuda.description());
    }

    /** Under {@code ncj.cuda=emulated} the CUDA classes must run: a missing emulator fails instead of skipping. */
    static void failIfEmulationAskedFor(String why) {
        if (Emulator.requested() && why != null) {
            org.junit.jupiter.api.Assertions.fail("ncj.cuda=emulated but the CUDA backend is unavailable: " + why);
        }
    }

    /**
     * A host-to-device copy the device-resident tests can rely on: {@code cuMemcpyHtoD} from
     * pageable memory may return before the data arrives, and the backend's non-blocking streams
     * do not wait for the legacy stream, so the context is synchronised after it (the contract
     * of {@code addDevice}: the caller's writes are complete). Returns the first error code.
     */
    static int upload(jcuda.driver.CUdeviceptr dst, jcuda.Pointer src, long bytes) {
        int r = jcuda.driver.JCudaDriver.cuMemcpyHtoD(dst, src, bytes);
        int s = jcuda.driver.JCudaDriver.cuCtxSynchronize();
        return r != 0 ? r : s;
    }

    /** Whether the tests run on the emulated driver (shapes sized for the host). */
    static boolean emulated() {
        return Emulator.requested();
    }

    @AfterAll
    void closeCuda() {
        if (cuda != null) {
            cuda.close();
            cuda = null;
        }
    }
}
