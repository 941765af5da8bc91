package org.ncj.backend.cpu;

import dev.ludovic.netlib.blas.BLAS;

import org.ncj.backend.Batch;
import org.ncj.backend.Decisions;

/**
 * Nearest-class-centre and linear decisions with the results of evaluating {@code ‖x − μ_c‖²} and
 * {@code b_c + w_c·x} directly in float64 over the candidates in ascending order, ties to the
 * lowest class index.
 *
 * <p>With a native BLAS, blocks of rows are scored against blocks of candidates with one
 * {@code dgemm} against the stacked {@code [M; W]} ({@code ‖μ_c‖² − 2x·μ_c} and
 * {@code w_c·x + b_c}), for every K: a profile at K = 10 showed the direct loops below taking
 * ten times a streaming pass. A row whose best and runner-up scores are closer than twice the rounding
 * error bound of the two evaluations (see {@link #nccTolerance}, {@link #linTolerance}) is
 * decided again directly, so the decisions are those of the direct evaluation, whatever the
 * summation order of the BLAS.
 */
final class CpuDecisions implements Decisions {
    /** Rows per task of the direct loops. */
    private static final int ROW_BLOCK = 64;
    /** Rows per GEMM task: about this many score entries (rows × 2 candidates) per task. */
    private static final int GEMM_SCORES = 1 << 15;
    /** Fewer candidates than this: the direct loops. */
    static final int GEMM_MIN_CANDIDATES = 1;
    /** Score blocks narrower than this (2 × candidates) are computed transposed (rows × scores). */
    private static final int TALL_BELOW = 64;
    /** Candidates scored per {@code dgemm} call (bounds the score buffer). */
    static final int CANDIDATE_BLOCK = 1024;

    private final int k;
    private final int d;
    private final double[] means;
    private final double[] weights;
    private final double[] bias;
    private final int[] cand;
    private final long[] hits;
    private final long[] counts;
    /** Packed for the GEMM path, or null: candidates' means and weights (c×d), ‖μ_c‖², biases. */
    private final Packed packed;

    CpuDecisions(double[] means, double[] weights, double[] bias, int[] candidates, int k, int d) {
        this(means, weights, bias, candidates, k, d, candidates.length >= GEMM_MIN_CANDIDATES ? CpuSyrk.blas() : null,
                CANDIDATE_BLOCK);
    }

    /** With an explicit BLAS (null: direct loops) and candidate block, for tests. */
    CpuDecisions(double[] means, double[] weights, double[] bias, int[] candidates, int k, int d, BLAS blas, int candidateBlock) {
        this.k = k;
        this.d = d;
        this.means = means.clone();
        this.weights = weights.clone();
        this.bias = bias == null ? null : bias.clone();
        this.cand = candidates.clone();
        this.hits = new long[k];
        this.counts = new long[k];
        this.packed = blas == null || cand.length == 0 ? null : new Packed(blas, candidateBlock);
    }

    /** Whether batches go through {@code dgemm} (false: direct loops). */
    boolean usesGemm() {
        return packed != null;
    }

    @Override
    public void add(Batch batch) {
        int n = batch.n();
        if (n == 0) {
            return;
        }
        int[][] picks = decide(batch.array(), n);
        int[] y = batch.labelArray();
        for (int r = 0; r < n; r++) {
            counts[y[r]]++;
            if (picks[0][r] == picks[1][r]) {
                hits[y[r]]++;
            }
        }
    }

    /** The nearest-centre (row 0) and linear (row 1) decisions of the first n rows of x. */
    int[][] decide(float[] x, int n) {
        int[] ncc = new int[n];
        int[] lin = new int[n];
        int rows = packed == null ? ROW_BLOCK : packed.rowBlock();
        CpuBackend.parallelFor((n + rows - 1) / rows, b -> {
            int r0 = b * rows;
            int r1 = Math.min(n, r0 + rows);
            if (packed != null) {
                packed.decide(x, r0, r1, ncc, lin);
            } else {
                for (int r = r0; r < r1; r++) {
                    ncc[r] = nearest(x, r * d);
                    lin[r] = linear(x, r * d);
                }
            }
        });
        return new int[][] {ncc, lin};
    }

    /** argmin over candidates of ‖x − μ_c‖², lowest index on ties. */
    int nearest(float[] x, int o) {
        int best = -1;
        double bestD = Double.POSITIVE_INFINITY;
        for (int c : cand) {
            int mo = c * d;
            double s = 0;
            for (int j = 0; j < d; j++) {
                double v = x[o + j] - means[mo + j];
                s += v * v;
            }
            if (s < bestD || best < 0) {
                bestD = s;
                best = c;
            }
        }
        return best;
    }

    /** argmax over candidates of w_c·x + b_c, lowest index on ties. */
    int linear(float[] x, int o) {
        int best = -1;
        double bestS = Double.NEGATIVE_INFINITY;
        for (int c : cand) {
            int wo = c * d;
            double s = bias == null ? 0 : bias[c];
            for (int j = 0; j < d; j++) {
                s += weights[wo + j] * x[o + j];
            }
            if (s > bestS || best < 0) {
                bestS = s;
                best = c;
            }
        }
        return best;
    }

    /**
     * Half the gap below which a GEMM-form ncc decision is rechecked. Direct
     * {@code fl(Σ(x − μ)²)} and GEMM {@code fl(‖μ‖²) − 2 fl(x·μ)} (plus ‖x‖²) each differ from
     * the exact value by at most {@code γ_{d+2}·2(‖x‖² + ‖μ‖²)} (Higham, Accuracy and Stability,
     * §3.1; any summation order), {@code γ_m = m·u/(1 − m·u)}, u = 2⁻⁵³. If the direct winner were
     * another candidate, the GEMM gap between best and runner-up would be at most twice the sum
     * of those bounds; the bound uses the largest candidate norm so it holds for every candidate.
     */
    static double nccTolerance(int d, double xx, double maxMu2) {
        return 2 * 4 * gamma(d + 2) * (xx + maxMu2) * 1.0625;
    }

    /** As {@link #nccTolerance} for {@code b + w·x}: each evaluation within {@code γ_{d+1}(|b| + ‖w‖‖x‖)}. */
    static double linTolerance(int d, double xNorm, double maxW, double maxAbsBias) {
        return 2 * 2 * gamma(d + 1) * (maxAbsBias + maxW * xNorm) * 1.0625;
    }

    private static double gamma(int m) {
        double mu = m * 0x1p-53;
        return mu / (1 - mu);
    }

    /**
     * The candidates packed for {@code dgemm}: each block of up to {@code block} candidates as
     * its means then its weights ({@code [M_b; W_b]}, 2·nq × d), with the scales of the recheck
     * tolerances.
     */
    private final class Packed {
        private final BLAS blas;
        private final int block;
        private final double[] mw;
        private final double[] mu2;
        private final double[] bc;
        private final double maxMu2;
        private final double maxW;
        private final double maxAbsBias;

        Packed(BLAS blas, int block) {
            this.blas = blas;
            int c = cand.length;
            this.block = Math.min(Math.max(1, block), c);
            mw = new double[Math.multiplyExact(2 * c, d)];
            mu2 = new double[c];
            bc = new double[c];
            double m2 = 0;
            double w2 = 0;
            double ab = 0;
            for (int q0 = 0; q0 < c; q0 += this.block) {
                int nq = Math.min(c, q0 + this.block) - q0;
                for (int q = q0; q < q0 + nq; q++) {
                    int mo = (2 * q0 + (q - q0)) * d;
                    int wo = mo + nq * d;
                    System.arraycopy(means, cand[q] * d, mw, mo, d);
                    System.arraycopy(weights, cand[q] * d, mw, wo, d);
                    double s = 0;
                    double sw = 0;
                    for (int j = 0; j < d; j++) {
                        s += mw[mo + j] * mw[mo + j];
                        sw += mw[wo + j] * mw[wo + j];
                    }
                    mu2[q] = s;
                    bc[q] = bias == null ? 0 : bias[cand[q]];
                    m2 = Math.max(m2, s);
                    w2 = Math.max(w2, sw);
                    ab = Math.max(ab, Math.abs(bc[q]));
                }
            }
            // Computed norms may round low by a relative γ_d: the 1.0625 in the tolerances covers it.
            maxMu2 = m2;
            maxW = Math.sqrt(w2);
            maxAbsBias = ab;
        }

        /** Updates best and runner-up per row from a tall score block {@code g[r + q·nr]}. */
        private void scanTall(double[] g, int nr, int nq, int q0, double[] n1, double[] n2, int[] bn, double[] l1,
                              double[] l2, int[] bl) {
            for (int q = 0; q < nq; q++) {
                double m2 = mu2[q0 + q];
                int o = q * nr;
                for (int r = 0; r < nr; r++) {
                    double s = m2 - 2 * g[o + r];
                    if (s < n1[r]) {
                        n2[r] = n1[r];
                        n1[r] = s;
                        bn[r] = q0 + q;
                    } else if (s < n2[r]) {
                        n2[r] = s;
                    }
                }
            }
            for (int q = 0; q < nq; q++) {
                double b = bc[q0 + q];
                int o = (nq + q) * nr;
                for (int r = 0; r < nr; r++) {
                    double s = g[o + r] + b;
                    if (s > l1[r]) {
                        l2[r] = l1[r];
                        l1[r] = s;
                        bl[r] = q0 + q;
                    } else if (s > l2[r]) {
                        l2[r] = s;
                    }
                }
            }
        }

        /** Rows per task: small K gets tall blocks so that each GEMM call has work to amortise. */
        int rowBlock() {
            return Math.max(ROW_BLOCK, Math.min(4096, GEMM_SCORES / (2 * block)));
        }

        /** Decides rows [r0, r1) of x into ncc and lin. */
        void decide(float[] x, int r0, int r1, int[] ncc, int[] lin) {
            int nr = r1 - r0;
            int c = cand.length;
            double[] xb = new double[nr * d];
            double[] xx = new double[nr];
            for (int r = 0; r < nr; r++) {
                double s = 0;
                int xo = (r0 + r) * d;
                for (int j = 0; j < d; j++) {
                    double v = x[xo + j];
                    xb[r * d + j] = v;
                    s += v * v;
                }
                xx[r] = s;
            }
            double[] n1 = filled(nr, Double.POSITIVE_INFINITY);
            double[] n2 = filled(nr, Double.POSITIVE_INFINITY);
            double[] l1 = filled(nr, Double.NEGATIVE_INFINITY);
            double[] l2 = filled(nr, Double.NEGATIVE_INFINITY);
            int[] bn = new int[nr];
            int[] bl = new int[nr];
            double[] g = new double[2 * block * nr];
            for (int q0 = 0; q0 < c; q0 += block) {
                int nq = Math.min(c, q0 + block) - q0;
                int m = 2 * nq;
                if (m < TALL_BELOW) {
                    // Few candidates: G (nr × 2nq, column-major) = X [M_b; W_b]ᵀ puts the long side
                    // where the BLAS micro-kernel's long dimension is; scanned a candidate at a time.
                    blas.dgemm("T", "N", nr, m, d, 1.0, xb, 0, d, mw, 2 * q0 * d, d, 0.0, g, 0, nr);
                    scanTall(g, nr, nq, q0, n1, n2, bn, l1, l2, bl);
                    continue;
                }
                // Row-major [M_b; W_b] rows are column-major columns: G (2nq × nr, column-major).
                blas.dgemm("T", "N", m, nr, d, 1.0, mw, 2 * q0 * d, d, xb, 0, d, 0.0, g, 0, m);
                for (int r = 0; r < nr; r++) {
                    int o = r * m;
                    double b1 = n1[r];
                    double b2 = n2[r];
                    int bi = bn[r];
                    for (int q = 0; q < nq; q++) {
                        double s = mu2[q0 + q] - 2 * g[o + q];
                        if (s < b1) {
                            b2 = b1;
                            b1 = s;
                            bi = q0 + q;
                        } else if (s < b2) {
                            b2 = s;
                        }
                    }
                    n1[r] = b1;
                    n2[r] = b2;
                    bn[r] = bi;
                    b1 = l1[r];
                    b2 = l2[r];
                    bi = bl[r];
                    o += nq;
                    for (int q = 0; q < nq; q++) {
                        double s = g[o + q] + bc[q0 + q];
                        if (s > b1) {
                            b2 = b1;
                            b1 = s;
                            bi = q0 + q;
                        } else if (s > b2) {
                            b2 = s;
                        }
                    }
                    l1[r] = b1;
                    l2[r] = b2;
                    bl[r] = bi;
                }
            }
            for (int r = 0; r < nr; r++) {
                int o = (r0 + r) * d;
                // A NaN score (non-finite means or weights) fails both comparisons: decide directly.
                // With one candidate the runner-up is ±∞ and the gap infinite: no recheck.
                ncc[r0 + r] = n2[r] - n1[r] > nccTolerance(d, xx[r], maxMu2) ? cand[bn[r]] : nearest(x, o);
                lin[r0 + r] = l1[r] - l2[r] > linTolerance(d, Math.sqrt(xx[r]), maxW, maxAbsBias) ? cand[bl[r]] : linear(x, o);
            }
        }
    }

    private static double[] filled(int n, double v) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    @Override
    public long[] hits() {
        return hits.clone();
    }

    @Override
    public long[] counts() {
        return counts.clone();
    }

    @Override
    public void close() {
        // heap only
    }
}
