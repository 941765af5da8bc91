package org.ncj.backend.cpu;

import org.ncj.backend.Backend;
import org.ncj.golden.GoldenContract;

class CpuGoldenTest extends GoldenContract {
    @Override
    protected Backend createBackend() {
        return Backend.cpu();
    }
}
