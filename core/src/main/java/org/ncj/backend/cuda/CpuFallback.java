package org.ncj.backend.cuda;

import java.util.logging.Logger;

import org.ncj.backend.SymmetricEigen;
import org.ncj.backend.cpu.CpuGram;
import org.ncj.backend.cpu.CpuLinalg;

/**
 * Every place where the CUDA backend hands work to the CPU, so that the rest of the package
 * imports no CPU class. The fallbacks and when each applies:
 * <ul>
 *   <li>{@link #eigh}: when cuSOLVER ({@code libcusolver.so.12}/{@code .11}, searched as
 *       {@link NativeLibraries} says, {@code ncj.cuda.libpath}) cannot be loaded or its handle
 *       not created; decided once per backend, logged once per process ({@link #noteEigh});</li>
 *   <li>{@link #gram} and {@link #multiplyTransposed}: always. They run once per analysis on
 *       K×D means (Σ_B, the NC3/NC4 products), far below what a device round trip pays for, on
 *       the CPU's native BLAS where installed.</li>
 * </ul>
 * Everything else (class sums, centred statistics and the scatter, decisions, pairwise
 * statistics and grids, in float32 and float64 and at every shape) runs on the device: no
 * precision or shape is routed to the CPU.
 */
final class CpuFallback {
    private static final Logger LOG = Logger.getLogger(CpuFallback.class.getName());
    private static volatile boolean loggedEigh;

    private CpuFallback() {
    }

    /** The CPU eigen-decomposition (LAPACK {@code dsyevd} through {@code dev.ludovic.netlib}: native where installed, else its Java translation). */
    static SymmetricEigen eigh(double[] a, int n) {
        return CpuLinalg.eigh(a, n);
    }

    /** Logs, once per process, why {@link #eigh} is used instead of cuSOLVER. */
    static void noteEigh(String why) {
        if (!loggedEigh) {
            loggedEigh = true;
            LOG.info(() -> why + "; eigh runs on the CPU");
        }
    }

    /** {@code AᵀA} on the CPU, native BLAS allowed. */
    static double[] gram(double[] a, int k, int d) {
        return CpuGram.gram(a, k, d, true);
    }

    /** {@code ABᵀ} on the CPU, native BLAS allowed. */
    static double[] multiplyTransposed(double[] a, int m, double[] b, int n, int d) {
        return CpuGram.multiplyTransposed(a, m, b, n, d, true);
    }
}
