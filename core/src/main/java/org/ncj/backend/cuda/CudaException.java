package org.ncj.backend.cuda;

/**
 * A CUDA driver call failed with a recoverable error (invalid value, out of memory, ...): the
 * context is still usable. Sticky errors that poison the context are {@link CudaFatalException}.
 */
public class CudaException extends RuntimeException {
    private final int code;

    public CudaException(int code, String message) {
        super(message);
        this.code = code;
    }

    /** The {@code CUresult} (or library status) code. */
    public int code() {
        return code;
    }
}
