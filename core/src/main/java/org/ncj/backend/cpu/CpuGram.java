package org.ncj.backend.cpu;

import java.util.stream.IntStream;

import dev.ludovic.netlib.blas.BLAS;

/**
 * Dense float64 products of row-major matrices that the measures need ({@code AᵀA}, {@code ABᵀ}):
 * BLAS {@code dsyrk}/{@code dgemm} where a native BLAS is installed and allowed, else Java loops
 * whose tasks own disjoint output rows and sum in a fixed order, so their results do not depend
 * on the number of threads (the deterministic mode's promise).
 */
public final class CpuGram {
    /** Output rows of the Java {@link #gram} per task: A's rows are read once per block, from cache. */
    private static final int GRAM_ROWS = 16;

    private CpuGram() {
    }

    /** {@code AᵀA} (d×d, row-major, both triangles) of a row-major k×d A. */
    public static double[] gram(double[] a, int k, int d, boolean allowNative) {
        return gram(a, k, d, allowNative ? CpuSyrk.blas() : null);
    }

    static double[] gram(double[] a, int k, int d, BLAS blas) {
        double[] g = new double[Math.multiplyExact(d, d)];
        if (k == 0 || d == 0) {
            return g;
        }
        if (blas != null) {
            // Row-major k×d A is the column-major d×k X = Aᵀ; X Xᵀ = AᵀA. Column-major upper = row-major lower.
            blas.dsyrk("U", "N", d, k, 1.0, a, d, 0.0, g, d);
            CpuSyrk.mirrorLower(g, d);
            return g;
        }
        int blocks = (d + GRAM_ROWS - 1) / GRAM_ROWS;
        IntStream.range(0, blocks).parallel().forEach(blk -> {
            int i0 = blk * GRAM_ROWS;
            int i1 = Math.min(d, i0 + GRAM_ROWS);
            for (int c = 0; c < k; c++) {
                int o = c * d;
                for (int i = i0; i < i1; i++) {
                    double ai = a[o + i];
                    if (ai == 0) {
                        continue;
                    }
                    int gi = i * d;
                    for (int j = 0; j < d; j++) {
                        g[gi + j] += ai * a[o + j];
                    }
                }
            }
        });
        return g;
    }

    /** {@code ABᵀ} (m×n, row-major) of row-major A (m×d) and B (n×d). */
    public static double[] multiplyTransposed(double[] a, int m, double[] b, int n, int d, boolean allowNative) {
        return multiplyTransposed(a, m, b, n, d, allowNative ? CpuSyrk.blas() : null);
    }

    static double[] multiplyTransposed(double[] a, int m, double[] b, int n, int d, BLAS blas) {
        double[] c = new double[Math.multiplyExact(m, n)];
        if (m == 0 || n == 0 || d == 0) {
            return c;
        }
        if (blas != null) {
            // Row-major m×n C is the column-major n×m Cᵀ = B Aᵀ; row-major B and A are column-major Bᵀ and Aᵀ.
            blas.dgemm("T", "N", n, m, d, 1.0, b, 0, d, a, 0, d, 0.0, c, 0, n);
            return c;
        }
        boolean symmetric = a == b && m == n;
        IntStream.range(0, m).parallel().forEach(i -> {
            int io = i * d;
            for (int j = symmetric ? i : 0; j < n; j++) {
                int jo = j * d;
                double v = 0;
                for (int l = 0; l < d; l++) {
                    v += a[io + l] * b[jo + l];
                }
                c[i * n + j] = v;
            }
        });
        if (symmetric) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < i; j++) {
                    c[i * n + j] = c[j * n + i];
                }
            }
        }
        return c;
    }
}
