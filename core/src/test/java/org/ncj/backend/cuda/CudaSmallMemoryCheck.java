package org.ncj.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jcuda.Pointer;

import org.junit.jupiter.api.Test;
import org.ncj.DType;
import org.ncj.backend.Backend;
import org.ncj.backend.Batch;
import org.ncj.backend.CentredStats;
import org.ncj.backend.ClassSums;
import org.ncj.pairwise.PairKernel;

/**
 * The out-of-memory paths on a device of about 1 MiB (the emulated driver with
 * {@code ncj.cuda.emu.memory=1048576}; .ci/test's small-memory run): the pairwise grid in row
 * bands, host batches split into smaller staging pieces, device-resident centred rows in
 * smaller scratch pieces. Named *Check so that the ordinary test run (any device size) leaves
 * it out; .ci/test names it.
 */
class CudaSmallMemoryCheck extends CudaTestBase {
    private final Backend cpu = Backend.cpu();

    private long free() {
        return cuda.memoryInfo()[0];
    }

    @Test
    void deviceIsSmall() {
        assertTrue(cuda.memoryInfo()[1] <= (2L << 20), "this check needs a device of at most 2 MiB, got "
                + cuda.memoryInfo()[1] + " bytes (ncj.cuda.emu.memory)");
    }

    @Test
    void pairwiseGridInRowBands() {
        int k = 400;
        int d = 7;
        assertTrue(8L * k * k > free(), "K² doubles must not fit for the band path: " + free() + " bytes free");
        double[] p = CudaAgreementTest.points(k, d, 5);
        for (Object[] f : CudaAgreementTest.PAIR_FORMS) {
            DType dtype = (DType) f[0];
            double tol = dtype == DType.FLOAT32 ? CudaAgreementTest.TOL_F32 : 1e-9;
            for (PairKernel kernel : new PairKernel[] {new PairKernel.Dist(), new PairKernel.Log()}) {
                CudaAgreementTest.assertClose(cpu.pairwiseGrid(p, k, d, kernel, 64),
                        cuda.pairwiseGrid(p, k, d, kernel, (Integer) f[1], dtype), tol,
                        "grid " + kernel.name() + " " + dtype + " tile " + f[1] + " in bands");
            }
        }
    }

    @Test
    void hostBatchesSplitIntoSmallerPieces() {
        int k = 10;
        int d = 129;
        Batch big = CudaAgreementTest.batch(5_000, d, k, 3); // 2.6 MB: over the device
        // A backend per type: its staging slots grow to what the device holds and keep that size
        // (accumulators made later free them first: accumulatorMadeAfterStagingFilledTheDevice).
        for (DType t : DType.values()) {
            double[] m = CudaAgreementTest.means(k, d, 4);
            try (CudaBackend own = new CudaBackend();
                 ClassSums g = own.classSums(k, d, t); ClassSums c = cpu.classSums(k, d, t);
                 CentredStats gc = own.centredStats(m, k, d, t, false, true);
                 CentredStats cc = cpu.centredStats(m, k, d, t, false, true)) {
                g.add(big);
                c.add(big);
                assertArrayEquals(c.counts(), g.counts(), "counts");
                CudaAgreementTest.assertClose(c.sums(), g.sums(), CudaAgreementTest.tol(t), "class sums " + t);
                gc.add(big);
                cc.add(big);
                assertArrayEquals(cc.counts(), gc.counts(), "centred counts");
                CudaAgreementTest.assertClose(cc.varNormSums(), gc.varNormSums(), CudaAgreementTest.tol(t), "varnorms " + t);
            }
        }
    }

    @Test
    void deviceResidentRowsInSmallerScratchPieces() {
        int k = 5;
        int d = 67;
        int n = 1500;
        Batch b = CudaAgreementTest.batch(n, d, k, 9);
        CudaContext ctx = cuda.session().context();
        try (DeviceMemory dx = DeviceMemory.allocate(ctx, 4L * n * d);
             DeviceMemory dy = DeviceMemory.allocate(ctx, 4L * n)) {
            Cuda.check(CudaTestBase.upload(dx.ptr(), Pointer.to(b.array()), 4L * n * d), "x");
            Cuda.check(CudaTestBase.upload(dy.ptr(), Pointer.to(b.labelArray()), 4L * n), "y");
            double[] m = CudaAgreementTest.means(k, d, 6);
            try (CudaCentredStats g = cuda.centredStats(m, k, d, DType.FLOAT64, true, true);
                 CentredStats c = cpu.centredStats(m, k, d, DType.FLOAT64, true, true)) {
                assertTrue(8L * n * d > free(), "the centred rows must not fit in one piece: " + free() + " bytes free");
                g.addDevice(dx.address(), dy.address(), n);
                c.add(b);
                assertArrayEquals(c.counts(), g.counts(), "counts");
                CudaAgreementTest.assertClose(c.scatter(), g.scatter(), CudaAgreementTest.TOL_F64, "scatter");
                CudaAgreementTest.assertClose(c.varNormSums(), g.varNormSums(), CudaAgreementTest.TOL_F64, "varnorms");
            }
        }
    }

    /**
     * An accumulator whose buffers fit only once the idle staging slots are freed: the session
     * trims the staging and retries ({@link DeviceSession#allocate}), and the slots grow back, in
     * smaller pieces, for the next batch.
     */
    @Test
    void accumulatorMadeAfterStagingFilledTheDevice() {
        int k = 3;
        int d = 64;
        Batch b = CudaAgreementTest.batch(500, d, k, 11);
        try (CudaBackend own = new CudaBackend();
             DeviceMemory blocker = DeviceMemory.allocate(own.session().context(), free() - (256L << 10));
             ClassSums g = own.classSums(k, d, DType.FLOAT32); ClassSums c = cpu.classSums(k, d, DType.FLOAT32)) {
            Stager st = own.session().stager();
            g.add(b);
            long slots = st.deviceBytes();
            long free = free();
            long need = free + slots / 2; // the scatter of dc columns: fits only without the slots
            int dc = (int) Math.sqrt(need / 8.0);
            assertTrue(slots > 0 && 8L * dc * dc > free && 8L * dc * dc + 16L * dc + 64 < free + slots,
                    "shape for the check: slots " + slots + ", free " + free + ", scatter " + 8L * dc * dc);
            try (CentredStats gc = own.centredStats(new double[dc], 1, dc, DType.FLOAT32, true, false)) {
                assertArrayEquals(new long[1], gc.counts(), "a fresh accumulator");
                assertTrue(st.deviceBytes() == 0, "the staging was trimmed for it");
                g.add(b); // in smaller pieces, with what is left
                c.add(b);
                c.add(b);
                assertArrayEquals(c.counts(), g.counts(), "counts");
                CudaAgreementTest.assertClose(c.sums(), g.sums(), CudaAgreementTest.TOL_F32, "class sums");
            }
        }
    }
}
