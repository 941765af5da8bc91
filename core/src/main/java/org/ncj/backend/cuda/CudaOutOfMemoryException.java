package org.ncj.backend.cuda;

/** Device memory ran out; the message says how much was asked for and how much was free. */
public class CudaOutOfMemoryException extends CudaException {
    private final long requested;

    public CudaOutOfMemoryException(int code, String message, long requested) {
        super(code, message);
        this.requested = requested;
    }

    /** Bytes asked for. */
    public long requested() {
        return requested;
    }
}
