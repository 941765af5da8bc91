package org.ncj.backend.cuda;

/**
 * A sticky CUDA error (illegal address, launch failure, ECC error, ...): the context is
 * poisoned and every later call in this process will fail; restart the process.
 */
public class CudaFatalException extends CudaException {
    public CudaFatalException(int code, String message) {
        super(code, message);
    }
}
