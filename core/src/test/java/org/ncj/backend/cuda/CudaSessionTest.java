package org.ncj.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import jcuda.Pointer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.ncj.DType;
import org.ncj.backend.Backend;
import org.ncj.backend.Batch;
import org.ncj.backend.CentredStats;
import org.ncj.backend.ClassSums;

/**
 * The device session ({@link DeviceSession}) that the CUDA operations run in: closing the
 * backend frees every buffer its operations and its staging allocated, an operation outlives
 * its backend only to fail with an error that says so, a constructor that runs out of memory
 * leaves nothing behind, and trimmed staging grows back without changing the totals. Each test
 * opens its own backend, so that the class's shared one ({@link CudaTestBase}) stays idle and
 * the device's live bytes before and after can be compared.
 */
class CudaSessionTest extends CudaTestBase {
    private final Backend cpu = Backend.cpu();

    private static long liveBytes() {
        return DeviceMemory.LIVE_BYTES.get();
    }

    @Test
    void closingTheBackendFreesEveryOperationsBuffersAndItsStaging() {
        int k = 4;
        int d = 9;
        int n = 300;
        long before = liveBytes();
        long freeBefore = cuda.memoryInfo()[0];
        Batch b = CudaAgreementTest.batch(n, d, k, 1);
        double[] m = CudaAgreementTest.means(k, d, 2);
        CudaBackend own = new CudaBackend();
        CudaClassSums sums = own.classSums(k, d, DType.FLOAT32);
        CudaCentredStats stats = own.centredStats(m, k, d, DType.FLOAT32, true, true);
        CudaDecisions dec = own.decisions(m, m, null, new int[] {0, 1, 2, 3}, k, d, DType.FLOAT64);
        assertEquals(3, own.session().openOperations(), "operations registered in the session");
        sums.add(b);
        stats.add(b); // the scatter needs the stager's scratch
        dec.add(b);
        try (DeviceMemory dx = DeviceMemory.allocate(own.session().context(), 4L * n * d);
             DeviceMemory dy = DeviceMemory.allocate(own.session().context(), 4L * n)) {
            Cuda.check(CudaTestBase.upload(dx.ptr(), Pointer.to(b.array()), 4L * n * d), "x");
            Cuda.check(CudaTestBase.upload(dy.ptr(), Pointer.to(b.labelArray()), 4L * n), "y");
            stats.addDevice(dx.address(), dy.address(), n);
        }
        assertTrue(own.session().stager().deviceBytes() > 0, "the batches were staged");
        assertTrue(liveBytes() > before, "the operations and the staging hold device memory");
        own.close(); // the three operations are still open
        assertEquals(before, liveBytes(), "device bytes still allocated after the backend closed");
        assertEquals(freeBefore, cuda.memoryInfo()[0], "free device memory after the backend closed");
        assertEquals(0, own.session().openOperations(), "operations left in the closed session's registry");
        for (Resource r : List.of(sums, stats, dec)) {
            assertTrue(r.isClosed(), r.getClass().getSimpleName() + " closed with its backend");
        }
    }

    @Test
    void anOperationUsedAfterItsBackendClosedSaysSo() {
        int k = 3;
        int d = 5;
        Batch b = CudaAgreementTest.batch(20, d, k, 3);
        double[] m = CudaAgreementTest.means(k, d, 4);
        CudaBackend own = new CudaBackend();
        CudaClassSums sums = own.classSums(k, d, DType.FLOAT32);
        CudaCentredStats stats = own.centredStats(m, k, d, DType.FLOAT64, false, true);
        CudaDecisions dec = own.decisions(m, m, null, new int[] {0, 2}, k, d, DType.FLOAT32);
        sums.add(b);
        own.close();
        List<Executable> uses = List.of(() -> sums.add(b), sums::counts, sums::sums, sums::reset,
                () -> sums.addTotals(new double[k * d], new long[k]), () -> sums.addDevice(0, 0, 1),
                () -> stats.add(b), stats::varNormSums, () -> stats.reset(m), () -> stats.addDevice(0, 0, 1),
                () -> dec.add(b), dec::hits, dec::counts);
        for (Executable use : uses) {
            IllegalStateException e = assertThrows(IllegalStateException.class, use);
            assertTrue(e.getMessage().matches("(ClassSums|CentredStats|Decisions)\\(k=3, d=5, FLOAT(32|64)\\) cannot be used:"
                    + " its CUDA backend is closed"), e.getMessage());
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> own.classSums(k, d, DType.FLOAT32));
        assertEquals("CUDA backend is closed", e.getMessage());
    }

    @Test
    void operationsLeaveTheRegistryAsTheyClose() {
        try (CudaBackend own = new CudaBackend()) {
            DeviceSession s = own.session();
            ClassSums a = own.classSums(2, 3, DType.FLOAT32);
            ClassSums c = own.classSums(2, 3, DType.FLOAT64);
            assertEquals(2, s.openOperations());
            a.close();
            assertEquals(1, s.openOperations());
            c.close();
            assertEquals(0, s.openOperations());
        }
    }

    @Test
    void aConstructorOutOfDeviceMemoryLeavesNothingAllocated() {
        // The scatter (8·D² bytes) cannot fit on the device; the means (8·K·D) allocated before it must be freed.
        long total = cuda.memoryInfo()[1];
        int d = (int) Math.min(Integer.MAX_VALUE / 2, (long) Math.sqrt(total / 8.0) + 1);
        double[] m = new double[d];
        try (CudaBackend own = new CudaBackend()) {
            long before = liveBytes();
            assertThrows(CudaOutOfMemoryException.class, () -> own.centredStats(m, 1, d, DType.FLOAT32, true, false));
            assertEquals(before, liveBytes(), "bytes left allocated by the failed constructor");
            assertEquals(0, own.session().openOperations(), "a failed operation was registered");
        }
    }

    @Test
    void trimmedStagingGrowsBackAndTheTotalsAgree() {
        int k = 6;
        int d = 33;
        Batch b1 = CudaAgreementTest.batch(500, d, k, 5);
        Batch b2 = CudaAgreementTest.batch(700, d, k, 6);
        double[] m = CudaAgreementTest.means(k, d, 7);
        for (DType t : DType.values()) {
            try (CudaBackend own = new CudaBackend();
                 ClassSums g = own.classSums(k, d, t); ClassSums c = cpu.classSums(k, d, t);
                 CentredStats gc = own.centredStats(m, k, d, t, true, true);
                 CentredStats cc = cpu.centredStats(m, k, d, t, true, true)) {
                Stager st = own.session().stager();
                g.add(b1);
                gc.add(b1);
                long held = st.deviceBytes();
                long live = liveBytes();
                assertTrue(held > 0, "staging holds the slots and the scratch");
                assertEquals(held, st.trim(), "bytes freed by trim");
                assertEquals(0, st.deviceBytes(), "staging after trim");
                assertEquals(live - held, liveBytes(), "device bytes after trim");
                assertEquals(0, st.trim(), "a second trim has nothing to free");
                g.add(b1);
                gc.add(b1);
                assertEquals(held, st.deviceBytes(), "staging grew back to its size for the same batch");
                g.add(b2);
                gc.add(b2);
                for (Batch x : new Batch[] {b1, b1, b2}) {
                    c.add(x);
                    cc.add(x);
                }
                assertArrayEquals(c.counts(), g.counts(), "counts " + t);
                CudaAgreementTest.assertClose(c.sums(), g.sums(), CudaAgreementTest.tol(t), "class sums " + t);
                assertArrayEquals(cc.counts(), gc.counts(), "centred counts " + t);
                CudaAgreementTest.assertClose(cc.scatter(), gc.scatter(), CudaAgreementTest.tol(t), "scatter " + t);
                CudaAgreementTest.assertClose(cc.varNormSums(), gc.varNormSums(), CudaAgreementTest.tol(t), "varnorms " + t);
            }
        }
    }
}
