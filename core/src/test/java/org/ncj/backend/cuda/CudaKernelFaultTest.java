package org.ncj.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;

import jcuda.Pointer;
import jcuda.driver.CUresult;

import org.junit.jupiter.api.Test;
import org.ncj.DType;
import org.ncj.backend.Batch;
import org.ncj.backend.ClassSums;

/**
 * A kernel that dereferences a wild pointer on the emulated driver fails its launch with
 * {@code CUDA_ERROR_ILLEGAL_ADDRESS}, naming the kernel, block, thread and address, and leaves
 * the JVM and the backend usable (issue #11: a kernel fault fails a test, not the JVM). Only
 * under the emulator: on a real device the same launch poisons the context.
 */
class CudaKernelFaultTest extends CudaTestBase {

    /**
     * Garbage row ids (the kind of value an unvalidated label array holds): class_sums_sorted
     * reads x[order[i] * d + col], with order[i] = INT_MIN about 8 TiB below x, where nothing is
     * mapped.
     */
    @Test
    void wildRowIndexFailsTheLaunchAndTheBackendStillWorks() {
        assumeTrue(emulated(), "a wild pointer on a real device poisons the context: emulator only");
        int k = 2;
        int d = 1000;
        int n = 3;
        CudaContext ctx = cuda.session().context();
        Stager st = cuda.session().stager();
        int[] order = new int[n];
        Arrays.fill(order, Integer.MIN_VALUE);
        long[] seg = {0, n, n};
        CudaException e;
        try (DeviceMemory dx = DeviceMemory.allocate(ctx, 4L * n * d);
             DeviceMemory dord = DeviceMemory.allocate(ctx, 4L * n);
             DeviceMemory dseg = DeviceMemory.allocate(ctx, 8L * seg.length);
             DeviceMemory sums = DeviceMemory.zeroed(ctx, 8L * k * d, st.compute.get());
             DeviceMemory counts = DeviceMemory.zeroed(ctx, 8L * k, st.compute.get())) {
            ctx.makeCurrent();
            Cuda.check(upload(dord.ptr(), Pointer.to(order), 4L * n), "cuMemcpyHtoD");
            Cuda.check(upload(dseg.ptr(), Pointer.to(seg), 8L * seg.length), "cuMemcpyHtoD");
            e = assertThrows(CudaException.class, () -> st.onCompute(() -> {
                ctx.launch(PtxEntry.CLASS_SUMS_SORTED_F32, k, (d + 255) / 256, 256, 0, st.compute.get(), dx, dord, dseg, d, k,
                        sums, counts);
                st.compute.sync();
            }));
        }
        String m = e.getMessage();
        assertEquals(CUresult.CUDA_ERROR_ILLEGAL_ADDRESS, e.code(), m);
        assertTrue(m.contains("kernel nc_class_sums_sorted_f32 block (0,0,0) thread (0,0,0)"), m);
        assertTrue(m.contains("illegal address 0x"), m);

        // the same backend computes a contract op correctly afterwards
        float[] x = {1, 2, 3, 4, 5, 6};
        int[] y = {1, 0, 1};
        try (ClassSums s = cuda.classSums(2, 2, DType.FLOAT64)) {
            s.add(Batch.of(x, 3, 2, y));
            assertArrayEquals(new double[] {3, 4, 6, 8}, s.sums(), 0.0);
            assertArrayEquals(new long[] {1, 2}, s.counts());
        }
    }
}
