package org.ncj.backend.cpu;

import org.netlib.util.intW;

import dev.ludovic.netlib.lapack.LAPACK;
import org.ncj.backend.SymmetricEigen;

/**
 * Dense linear algebra on the CPU through {@code dev.ludovic.netlib} LAPACK: the system's native
 * LAPACK when one is installed, a pure-Java translation otherwise.
 */
public final class CpuLinalg {
    private CpuLinalg() {
    }

    /** Name of the LAPACK implementation in use (native or Java). */
    public static String lapackName() {
        return LAPACK.getInstance().getClass().getSimpleName();
    }

    /** Symmetric eigen-decomposition with LAPACK {@code dsyevd} (divide and conquer). */
    public static SymmetricEigen eigh(double[] a, int n) {
        return eigh(a, n, true);
    }

    /**
     * As {@link #eigh(double[], int)}; with {@code allowNative = false} the pure-Java LAPACK runs
     * even where a native one is installed (single-threaded, so bit-identical on any machine state).
     */
    public static SymmetricEigen eigh(double[] a, int n, boolean allowNative) {
        if (n == 0) {
            return new SymmetricEigen(new double[0], new double[0], 0);
        }
        // dsyevd is column-major; a symmetric row-major matrix is its own transpose. Using the
        // lower triangle in column-major terms reads our row-major upper triangle.
        double[] v = a.clone();
        double[] w = new double[n];
        LAPACK lapack = allowNative ? LAPACK.getInstance() : dev.ludovic.netlib.lapack.JavaLAPACK.getInstance();
        double[] work = new double[1];
        int[] iwork = new int[1];
        intW info = new intW(0);
        lapack.dsyevd("V", "L", n, v, n, w, work, -1, iwork, -1, info);
        int lwork = (int) work[0];
        int liwork = iwork[0];
        work = new double[Math.max(1, lwork)];
        iwork = new int[Math.max(1, liwork)];
        lapack.dsyevd("V", "L", n, v, n, w, work, lwork, iwork, liwork, info);
        if (info.val != 0) {
            throw new ArithmeticException("LAPACK dsyevd failed for an " + n + "x" + n + " matrix (info = " + info.val + ")");
        }
        // Column-major eigenvector k occupies v[k*n .. k*n+n): already contiguous per vector.
        return new SymmetricEigen(w, v, n);
    }
}
