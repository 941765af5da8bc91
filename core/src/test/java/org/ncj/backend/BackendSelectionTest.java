package org.ncj.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Backend.auto() and its overrides (system property first, then the environment). */
class BackendSelectionTest {

    @AfterEach
    void clear() {
        System.clearProperty(Backend.PROPERTY);
    }

    @Test
    void propertyChoosesTheCpu() {
        System.setProperty(Backend.PROPERTY, "cpu");
        try (Backend b = Backend.auto()) {
            assertEquals("cpu", b.name());
        }
    }

    @Test
    void unknownNameIsNamed() {
        System.setProperty(Backend.PROPERTY, "tpu");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, Backend::auto);
        assertTrue(e.getMessage().contains("'tpu'"), e.getMessage());
    }

    @Test
    void cudaWithoutAGpuSaysWhyInOneLine() {
        assumeTrue(org.ncj.backend.cuda.CudaBackend.unavailableReason() != null, "a GPU is present: nothing to refuse");
        System.setProperty(Backend.PROPERTY, "cuda");
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, Backend::auto);
        assertTrue(e.getMessage().startsWith("CUDA backend unavailable: "), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    @Test
    void autoFallsBackToTheCpuWithoutAGpu() {
        assumeTrue(org.ncj.backend.cuda.CudaBackend.unavailableReason() != null, "a GPU is present: auto picks CUDA");
        assumeTrue(System.getenv(Backend.ENV) == null, "NCJ_BACKEND is set in this environment");
        try (Backend b = Backend.auto()) {
            assertEquals("cpu", b.name());
        }
    }
}
