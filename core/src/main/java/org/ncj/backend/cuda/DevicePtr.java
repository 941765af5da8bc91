package org.ncj.backend.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

/** A {@link CUdeviceptr} whose raw address can be read, or made from a raw address. */
final class DevicePtr extends CUdeviceptr {
    DevicePtr() {
    }

    private DevicePtr(CUdeviceptr base, long offset) {
        super(base, offset);
    }

    /** A pointer to a raw device address (a caller's tensor, say). */
    static DevicePtr of(long address) {
        return new DevicePtr(new CUdeviceptr(), address);
    }

    long address() {
        return getNativePointer() + getByteOffset();
    }

    /** A stream whose raw handle can be read (for cuSOLVER/cuBLAS bound through FFM). */
    static final class Stream extends CUstream {
        long handle() {
            return getNativePointer();
        }
    }
}
