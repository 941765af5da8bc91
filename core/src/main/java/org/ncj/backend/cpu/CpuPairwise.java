package org.ncj.backend.cpu;

import org.ncj.pairwise.PairKernel;
import org.ncj.pairwise.PairStats;

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

    /** Rows per GEMM panel of the fused pass: large enough that each BLAS call amortises its packing. */
    static final int FUSED_BLOCK = 256;
    /**
     * Float32 GEMM: squared distances at or below this fraction of {@code ‖a‖² + ‖b‖²} are
     * recomputed from the float64 rows, as in {@code cuda/pairwise.cu} (a float32 dot of rows
     * with norms |a|, |b| errs by about eps32·|a||b| ≤ eps32·s/2 for random roundings, so a kept
     * distance (> s/64) is within ~64·eps32 ≈ 8e-6 of itself).
     */
    static final double RECOMPUTE_BELOW_F32 = 0x1p-6;

    /**
     * Several kernels over all pairs i &lt; j from one walk: kernels in {@code onRows} see the rows
     * of {@code p}, those in {@code onNormalized} the rows {@code p_i / (‖p_i‖ + eps)}; the
     * statistics come back in that order. With a native BLAS each tile's products come from one
     * GEMM ({@code float32} when asked: sgemm of the rows rounded to float32, with small distances
     * recomputed from the float64 rows), shared by every kernel; the kernels of a tile are then
     * evaluated over its pairs and reduced two-pass (sum, then squared deviations, relative to the
     * tile's largest log-value for log-space kernels) into a partial merged in a fixed order.
     * Without one (or {@code gemm} false) the normalised rows are formed once and each kernel runs
     * the direct loops of {@link #stats}.
     */
    static PairStats[] fused(double[] p, int k, int d, PairKernel[] onRows, PairKernel[] onNormalized, double eps,
                             int tileSize, boolean gemm, boolean float32) {
        if (tileSize < 1) {
            throw new IllegalArgumentException("tileSize must be >= 1, got " + tileSize);
        }
        int nr = onRows.length;
        int nk = nr + onNormalized.length;
        PairStats[] out = new PairStats[nk];
        double[] norms = new double[k];
        for (int i = 0; i < k; i++) {
            double s = 0;
            for (int c = 0; c < d; c++) {
                double v = p[i * d + c];
                s += v * v;
            }
            norms[i] = Math.sqrt(s) + eps;
        }
        if (!gemm || CpuSyrk.blas() == null) {
            for (int q = 0; q < nr; q++) {
                out[q] = stats(p, k, d, onRows[q], tileSize, false);
            }
            if (onNormalized.length > 0) {
                double[] pn = new double[p.length];
                for (int i = 0; i < k; i++) {
                    for (int c = 0; c < d; c++) {
                        pn[i * d + c] = p[i * d + c] / norms[i];
                    }
                }
                for (int q = 0; q < onNormalized.length; q++) {
                    out[nr + q] = stats(pn, k, d, onNormalized[q], tileSize, false);
                }
            }
            return out;
        }
        PairKernel[] kernels = new PairKernel[nk];
        System.arraycopy(onRows, 0, kernels, 0, nr);
        System.arraycopy(onNormalized, 0, kernels, nr, onNormalized.length);
        // Norms of the rows the GEMM multiplies (the float32 ones in float32), so that s − 2a·b is
        // the distance of those rows; the normalised rows' norms follow by scaling.
        double[] sq = new double[k];
        double[] inv = new double[k];
        double[] sqn = new double[k];
        for (int i = 0; i < k; i++) {
            double s = 0;
            for (int c = 0; c < d; c++) {
                double v = float32 ? (double) (float) p[i * d + c] : p[i * d + c];
                s += v * v;
            }
            sq[i] = s;
            inv[i] = 1 / norms[i];
            sqn[i] = s * inv[i] * inv[i];
        }
        int bs = Math.max(tileSize, FUSED_BLOCK);
        int t = (k + bs - 1) / bs;
        int units = (t + 1) / 2;
        PairStats[][] parts = new PairStats[units][];
        Fused f = new Fused(p, k, d, kernels, nr, sq, norms, inv, sqn, bs, float32);
        CpuBackend.parallelFor(units, u -> {
            PairStats[] s = new PairStats[nk];
            for (int q = 0; q < nk; q++) {
                s[q] = new PairStats();
            }
            Fused.Work w = f.new Work();
            w.tileRow(u, t, s);
            int other = t - 1 - u;
            if (other != u) {
                w.tileRow(other, t, s);
            }
            parts[u] = s;
        });
        for (int q = 0; q < nk; q++) {
            PairStats total = new PairStats();
            for (PairStats[] s : parts) {
                total.merge(s[q]);
            }
            out[q] = total;
        }
        return out;
    }

    /** The fused pass's inputs, shared by its units. */
    private record Fused(double[] p, int k, int d, PairKernel[] kernels, int nr, double[] sq, double[] norms, double[] inv,
                         double[] sqn,
                         int bs, boolean float32) {

        /** One unit's buffers (a GEMM tile, its pairs' distances and products, kernel values). */
        final class Work {
            private final double[] g = float32 ? null : new double[bs * bs];
            private final float[] g32 = float32 ? new float[bs * bs] : null;
            private final float[] ai = float32 ? new float[bs * d] : null;
            private final float[] aj = float32 ? new float[bs * d] : null;
            private final int[] ii = new int[bs * bs];
            private final int[] jj = new int[bs * bs];
            private final double[] dist2 = new double[bs * bs];
            private final double[] dot = new double[bs * bs];
            private final double[] dist2n = new double[bs * bs];
            private final double[] dotn = new double[bs * bs];
            private final double[] vals = new double[bs * bs];
            private final double[] logRows = new double[bs * bs];
            private final double[] logNorm = new double[bs * bs];

            void tileRow(int ti, int t, PairStats[] out) {
                double thr = float32 ? RECOMPUTE_BELOW_F32 : RECOMPUTE_BELOW;
                int i0 = ti * bs;
                int ni = Math.min(k, i0 + bs) - i0;
                if (float32) {
                    toFloat(i0, ni, ai);
                }
                for (int tj = ti; tj < t; tj++) {
                    int j0 = tj * bs;
                    int nj = Math.min(k, j0 + bs) - j0;
                    // Row-major rows are column-major columns: G (ni × nj, column-major) = P_Iᵀᵀ P_Jᵀ.
                    if (float32) {
                        float[] bj = ai;
                        if (tj != ti) {
                            toFloat(j0, nj, aj);
                            bj = aj;
                        }
                        CpuSyrk.blas().sgemm("T", "N", ni, nj, d, 1f, ai, 0, d, bj, 0, d, 0f, g32, 0, ni);
                    } else {
                        CpuSyrk.blas().dgemm("T", "N", ni, nj, d, 1.0, p, i0 * d, d, p, j0 * d, d, 0.0, g, 0, ni);
                    }
                    int m = 0;
                    for (int a = 0; a < ni; a++) {
                        int i = i0 + a;
                        for (int j = Math.max(j0, i + 1); j < j0 + nj; j++) {
                            int gi = a + (j - j0) * ni;
                            double dt = float32 ? g32[gi] : g[gi];
                            double s = sq[i] + sq[j];
                            double e2 = s - 2 * dt;
                            if (e2 <= thr * s) {
                                e2 = direct(i, 1, j, 1);
                            }
                            double sc = inv[i] * inv[j];
                            double dn = dt * sc;
                            double sn = sqn[i] + sqn[j];
                            double e2n = sn - 2 * dn;
                            if (e2n <= thr * sn) {
                                e2n = direct(i, norms[i], j, norms[j]);
                            }
                            ii[m] = i;
                            jj[m] = j;
                            dist2[m] = e2;
                            dot[m] = dt;
                            dist2n[m] = e2n;
                            dotn[m] = dn;
                            m++;
                        }
                    }
                    if (m == 0) {
                        continue;
                    }
                    boolean[] logged = {false, false};
                    for (int q = 0; q < kernels.length; q++) {
                        PairKernel kr = kernels[q];
                        values(kr, q >= nr, m, logged);
                        out[q].merge(kr.logSpace() ? logTileStats(vals, m, kr.logSign()) : tileStats(vals, m));
                    }
                }
            }

            /**
             * The tile's values of one kernel into vals: the kernels of {@link PairKernel} inline
             * (the same expressions as their {@code apply}, so the same bits; log(dist²) computed
             * once for Log and Riesz), any other through {@code apply}. A loop per kernel type
             * keeps the call sites monomorphic: the generic loop profiled as the epilogue's
             * largest cost.
             */
            private void values(PairKernel kr, boolean normalised, int m, boolean[] logged) {
                double[] e2 = normalised ? dist2n : dist2;
                double[] dt = normalised ? dotn : dot;
                double[] s2 = normalised ? sqn : sq;
                int side = normalised ? 1 : 0;
                switch (kr) {
                    case PairKernel.Dist x -> {
                        for (int r = 0; r < m; r++) {
                            vals[r] = Math.sqrt(e2[r]);
                        }
                    }
                    case PairKernel.Log l -> {
                        double[] lg = logs(side, e2, m, logged);
                        double c = 0.5 * l.exponent();
                        for (int r = 0; r < m; r++) {
                            vals[r] = c * lg[r];
                        }
                    }
                    case PairKernel.Riesz z when z.s() > 0 -> {
                        double[] lg = logs(side, e2, m, logged);
                        double c = -0.5 * z.s();
                        for (int r = 0; r < m; r++) {
                            vals[r] = c * lg[r];
                        }
                    }
                    case PairKernel.Cosine c -> {
                        for (int r = 0; r < m; r++) {
                            vals[r] = dt[r] / Math.sqrt(s2[ii[r]] * s2[jj[r]]);
                        }
                    }
                    default -> {
                        for (int r = 0; r < m; r++) {
                            vals[r] = kr.apply(e2[r], dt[r], s2[ii[r]], s2[jj[r]], ii[r], jj[r]);
                        }
                    }
                }
            }

            private double[] logs(int side, double[] e2, int m, boolean[] logged) {
                double[] lg = side == 0 ? logRows : logNorm;
                if (!logged[side]) {
                    for (int r = 0; r < m; r++) {
                        lg[r] = Math.log(e2[r]);
                    }
                    logged[side] = true;
                }
                return lg;
            }

            private void toFloat(int r0, int n, float[] dst) {
                for (int x = 0; x < n * d; x++) {
                    dst[x] = (float) p[r0 * d + x];
                }
            }

            /**
             * {@code ‖p_i/a − p_j/b‖²} from the float64 rows, the scaled rows formed as the
             * normalisation forms them (exactly 0 for equal scaled rows).
             */
            private double direct(int i, double a, int j, double b) {
                double s = 0;
                int io = i * d;
                int jo = j * d;
                for (int c = 0; c < d; c++) {
                    double diff = p[io + c] / a - p[jo + c] / b;
                    s += diff * diff;
                }
                return s;
            }
        }
    }

    /** Count, mean and squared deviations of {@code v[0..m)}, two-pass. */
    static PairStats tileStats(double[] v, int m) {
        double sum = 0;
        for (int r = 0; r < m; r++) {
            sum += v[r];
        }
        double mean = sum / m;
        double m2 = 0;
        for (int r = 0; r < m; r++) {
            double dv = v[r] - mean;
            m2 += dv * dv;
        }
        return PairStats.of(m, 0, mean, m2);
    }

    /** As {@link #tileStats} for log-values: {@code sign·exp(v − shift)}, shift the largest v. */
    static PairStats logTileStats(double[] v, int m, double sign) {
        double shift = Double.NEGATIVE_INFINITY;
        for (int r = 0; r < m; r++) {
            shift = Math.max(shift, v[r]);
        }
        if (!Double.isFinite(shift)) {
            // Every value zero (shift −∞) or one infinite (shift +∞, a zero distance): the
            // running form gives the same NaN/∞ statistics, keep its semantics.
            PairStats s = new PairStats();
            for (int r = 0; r < m; r++) {
                s.addLog(v[r], sign);
            }
            return s;
        }
        double sum = 0;
        for (int r = 0; r < m; r++) {
            v[r] = sign * Math.exp(v[r] - shift);
            sum += v[r];
        }
        double mean = sum / m;
        double m2 = 0;
        for (int r = 0; r < m; r++) {
            double dv = v[r] - mean;
            m2 += dv * dv;
        }
        return PairStats.of(m, shift, mean, m2);
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
