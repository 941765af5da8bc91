package org.ncj.backend;

class CpuBackendContractTest extends BackendContract {
    private final Backend cpu = Backend.cpu();

    @Override
    protected Backend backend() {
        return cpu;
    }
}
