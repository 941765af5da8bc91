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
