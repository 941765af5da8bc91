package org.ncj.backend.cuda;

import jcuda.driver.CUresult;

/** The one check around every driver call. */
final class Cuda {
    private Cuda() {
    }

    /** Throws unless {@code result} is {@code CUDA_SUCCESS}; {@code what} names the call. */
    static void check(int result, String what) {
        if (result == CUresult.CUDA_SUCCESS) {
            return;
        }
        String msg = what + " failed: " + CUresult.stringFor(result) + " (" + result + ")";
        String emulated = Emulator.lastError();
        if (!emulated.isEmpty()) {
            msg += ": " + emulated; // the emulator names the kernel, parameter and offset
        }
        if (isSticky(result)) {
            throw new CudaFatalException(result, msg + "; the CUDA context is poisoned, restart the process");
        }
        if (result == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
            throw new CudaOutOfMemoryException(result, msg, -1);
        }
        throw new CudaException(result, msg);
    }

    /** Errors after which the context cannot be used again. */
    static boolean isSticky(int result) {
        return switch (result) {
            case CUresult.CUDA_ERROR_ILLEGAL_ADDRESS,
                 CUresult.CUDA_ERROR_LAUNCH_FAILED,
                 CUresult.CUDA_ERROR_ILLEGAL_INSTRUCTION,
                 CUresult.CUDA_ERROR_MISALIGNED_ADDRESS,
                 CUresult.CUDA_ERROR_INVALID_ADDRESS_SPACE,
                 CUresult.CUDA_ERROR_INVALID_PC,
                 CUresult.CUDA_ERROR_HARDWARE_STACK_ERROR,
                 CUresult.CUDA_ERROR_ASSERT,
                 CUresult.CUDA_ERROR_LAUNCH_TIMEOUT,
                 CUresult.CUDA_ERROR_ECC_UNCORRECTABLE -> true;
            default -> false;
        };
    }
}
