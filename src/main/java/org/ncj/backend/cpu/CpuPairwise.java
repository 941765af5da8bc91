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

    static PairStats stats(double[] p, int k, int d, PairKernel kernel, int tileSize) {
        if (tileSize < 1) {
            throw new IllegalArgumentException("tileSize must be >= 1, got " + tileSize);
        }
        double[] sq = squaredNorms(p, k, d);
        int t = (k + tileSize - 1) / tileSize;
        int units = (t + 1) / 2;
        PairStats[] parts = new PairStats[units];
        CpuBackend.parallelFor(units, u -> {
            PairStats s = new PairStats();
            int other = t - 1 - u;
            tileRow(p, sq, k, d, kernel, tileSize, u, t, s);
            if (other != u) {
                tileRow(p, sq, k, d, kernel, tileSize, other, t, s);
            }
            parts[u] = s;
        });
        PairStats total = new PairStats();
        for (PairStats s : parts) {
            total.merge(s);
        }
        return total;
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
