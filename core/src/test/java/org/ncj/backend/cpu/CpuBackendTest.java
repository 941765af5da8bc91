package org.ncj.backend.cpu;

import org.ncj.backend.Backend;
import org.ncj.backend.BackendContract;

class CpuBackendTest extends BackendContract {
    @Override
    protected Backend createBackend() {
        return Backend.cpu();
    }
}
