package org.ncj.backend.cpu;

import org.ncj.backend.Backend;
import org.ncj.backend.BackendContract;

/** The contract in deterministic mode: the Java loops that replace the native BLAS paths. */
class CpuDeterministicBackendTest extends BackendContract {
    @Override
    protected Backend createBackend() {
        return Backend.cpuDeterministic();
    }
}
