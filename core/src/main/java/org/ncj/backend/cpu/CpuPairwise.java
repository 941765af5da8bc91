package org.ncj.backend.cpu;

import org.ncj.kernels.PairKernel;
import org.ncj.kernels.PairStats;

/**
 * Pairwise kernel statistics over the upper triangle of the K×K grid, in tiles of
 * {@code tileSize × tileSize}, never holding the grid.
 *
 * <p>Triangle row folding: tile row u (0-based) of T holds T − u tiles; pairing tile row u with
 * tile row T − 1 − u gives units of T + 1 tiles (the middle row alone when T is odd), so units
 * are equal in work. Units run in parallel and are merged in unit order (deterministic).
 */
final class CpuPairwise {
    private CpuPairwise() {
    }

    /** Smallest tile for which a BLAS product per tile pays for its call. */
    static final int GEMM_MIN_TILE = 32;
    /**
     * Squared distances below this fraction of {@code ‖a‖² + ‖b‖²} are recomputed from the
     * difference: there {@code ‖a‖² + ‖b‖² − 2a·b} has lost more than ~6 of its 16 digits.
     */
    static final double RECOMPUTE_BELOW = 1e-6;

    static PairStats stats(double[] p, int k, int d, PairKernel kernel, int tileSize) {
        return stats(p, k, d, kernel, tileSize, CpuSyrk.blas() != null);
    }

    /**
     * @param gemm when true (and the tile is at least {@value #GEMM_MIN_TILE}), each tile's inner
     *             products come from one BLAS {@code dgemm} and distances from the norms, with small
     *             distances recomputed directly; else every pair is a direct loop over D.
     */
    static PairStats stats(double[] p, int k, int d, PairKernel kernel, int tileSize, boolean gemm) {
        if (tileSize < 1) {
            throw new IllegalArgumentException("tileSize must be >= 1, got " + tileSize);
        }
        double[] sq = squaredNorms(p, k, d);
        int t = (k + tileSize - 1) / tileSize;
        int units = (t + 1) / 2;
        PairStats[] parts = new PairStats[units];
        boolean useGemm = gemm && tileSize >= GEMM_MIN_TILE && CpuSyrk.blas() != null;
        CpuBackend.parallelFor(units, u -> {
            PairStats s = new PairStats();
            int other = t - 1 - u;
            double[] g = useGemm ? new double[tileSize * tileSize] : null;
            if (useGemm) {
                gemmTileRow(p, sq, k, d, kernel, tileSize, u, t, s, g);
            } else {
                tileRow(p, sq, k, d, kernel, tileSize, u, t, s);
            }
            if (other != u) {
                if (useGemm) {
                    gemmTileRow(p, sq, k, d, kernel, tileSize, other, t, s, g);
                } else {
                    tileRow(p, sq, k, d, kernel, tileSize, other, t, s);
                }
            }
            parts[u] = s;
        });
        PairStats total = new PairStats();
        for (PairStats s : parts) {
            total.merge(s);
        }
        return total;
    }

    /** As {@link #tileRow}, with each tile's inner products from one {@code dgemm}. */
    private static void gemmTileRow(double[] p, double[] sq, int k, int d, PairKernel kernel, int ts, int ti, int t,
                                    PairStats out, double[] g) {
        boolean log = kernel.logSpace();
        double sign = kernel.logSign();
        int i0 = ti * ts;
        int ni = Math.min(k, i0 + ts) - i0;
        for (int tj = ti; tj < t; tj++) {
            int j0 = tj * ts;
            int nj = Math.min(k, j0 + ts) - j0;
            // Row-major rows are column-major columns: G (ni × nj, column-major) = P_Iᵀᵀ P_Jᵀ.
            CpuSyrk.blas().dgemm("T", "N", ni, nj, d, 1.0, p, i0 * d, d, p, j0 * d, d, 0.0, g, 0, ni);
            PairStats tile = new PairStats();
            for (int a = 0; a < ni; a++) {
                int i = i0 + a;
                for (int j = Math.max(j0, i + 1); j < j0 + nj; j++) {
                    double dot = g[a + (j - j0) * ni];
                    double scale = sq[i] + sq[j];
                    double dist2 = scale - 2 * dot;
                    if (dist2 < RECOMPUTE_BELOW * scale) {
                        dist2 = 0;
                        int io = i * d;
                        int jo = j * d;
                        for (int c = 0; c < d; c++) {
                            double diff = p[io + c] - p[jo + c];
                            dist2 += diff * diff;
                        }
                    }
                    double v = kernel.apply(dist2, dot, sq[i], sq[j], i, j);
                    if (log) {
                        tile.addLog(v, sign);
                    } else {
                        tile.add(v);
                    }
                }
            }
            out.merge(tile);
        }
    }

    private static void tileRow(double[] p, double[] sq, int k, int d, PairKernel kernel, int ts, int ti, int t,
                                PairStats out) {
        boolean log = kernel.logSpace();
        double sign = kernel.logSign();
        int i0 = ti * ts;
        int i1 = Math.min(k, i0 + ts);
        for (int tj = ti; tj < t; tj++) {
            int j0 = tj * ts;
            int j1 = Math.min(k, j0 + ts);
            PairStats tile = new PairStats();
            for (int i = i0; i < i1; i++) {
                int io = i * d;
                for (int j = Math.max(j0, i + 1); j < j1; j++) {
                    int jo = j * d;
                    double dist2 = 0;
                    double dot = 0;
                    for (int c = 0; c < d; c++) {
                        double a = p[io + c];
                        double b = p[jo + c];
                        double diff = a - b;
                        dist2 += diff * diff;
                        dot += a * b;
                    }
                    double v = kernel.apply(dist2, dot, sq[i], sq[j], i, j);
                    if (log) {
                        tile.addLog(v, sign);
                    } else {
                        tile.add(v);
                    }
                }
            }
            out.merge(tile);
        }
    }

    static double[] grid(double[] p, int k, int d, PairKernel kernel, int tileSize) {
        if ((long) k * k > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("kernelGrid at K = " + k + " needs " + ((long) k * k)
                    + " entries, more than a Java array holds: use kernelStats, which never materialises the grid");
        }
        double[] sq = squaredNorms(p, k, d);
        double[] g = new double[k * k];
        boolean log = kernel.logSpace();
        CpuBackend.parallelFor(k, i -> {
            int io = i * d;
            for (int j = 0; j < k; j++) {
                if (i == j) {
                    g[i * k + j] = Double.NaN;
                    continue;
                }
                int jo = j * d;
                double dist2 = 0;
                double dot = 0;
                for (int c = 0; c < d; c++) {
                    double a = p[io + c];
                    double b = p[jo + c];
                    double diff = a - b;
                    dist2 += diff * diff;
                    dot += a * b;
                }
                int a = Math.min(i, j);
                int b = Math.max(i, j);
                double v = kernel.apply(dist2, dot, sq[a], sq[b], a, b);
                g[i * k + j] = log ? kernel.logSign() * Math.exp(v) : v;
            }
        });
        return g;
    }

    static double[] squaredNorms(double[] p, int k, int d) {
        double[] sq = new double[k];
        for (int i = 0; i < k; i++) {
            double s = 0;
            for (int c = 0; c < d; c++) {
                double v = p[i * d + c];
                s += v * v;
            }
            sq[i] = s;
        }
        return sq;
    }
}
