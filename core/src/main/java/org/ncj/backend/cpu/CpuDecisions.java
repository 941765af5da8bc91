package org.ncj.backend.cpu;

import dev.ludovic.netlib.blas.BLAS;

import org.ncj.backend.Batch;
import org.ncj.backend.Decisions;

/**
 * Nearest-class-centre and linear decisions with the results of evaluating {@code ‖x − μ_c‖²} and
 * {@code b_c + w_c·x} directly in float64 over the candidates in ascending order, ties to the
 * lowest class index.
 *
 * <p>With a native BLAS, blocks of rows are screened against blocks of candidates with one
 * float32 {@code sgemm} against the stacked {@code [M; W]} ({@code ‖μ_c‖² − 2x·μ_c} and
 * {@code w_c·x + b_c}), for every K and both working types: a profile at K = 10 showed the direct
 * loops below taking ten times a streaming pass, and one at K = 10 and 64 then put the time in the
 * float64 GEMM. A row whose best and runner-up screened scores are closer than the rounding error
 * bound of the screen plus that of the direct evaluation (see {@link #nccTolerance},
 * {@link #linTolerance}) is decided again directly, over the candidates the bound cannot exclude,
 * so the decisions are those of the direct evaluation, whatever the summation order of the BLAS.
 */
final class CpuDecisions implements Decisions {
    /** Rows per task of the direct loops. */
    private static final int ROW_BLOCK = 64;
    /** Rows per GEMM task: about this many score entries (rows × 2 candidates) per task. */
    private static final int GEMM_SCORES = 1 << 18;
    /** Fewer candidates than this: the direct loops. */
    static final int GEMM_MIN_CANDIDATES = 1;
    /** Score blocks narrower than this (2 × candidates) are computed transposed (rows × scores). */
    private static final int TALL_BELOW = 64;
    /** Candidates scored per {@code sgemm} call (bounds the score buffer). */
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

    /** Whether batches are screened with {@code sgemm} (false: direct loops). */
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
            double s = distance(x, o, c);
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
            double s = score(x, o, c);
            if (s > bestS || best < 0) {
                bestS = s;
                best = c;
            }
        }
        return best;
    }

    /** The direct {@code fl(Σ(x − μ_c)²)}, in column order: the value every decision is defined by. */
    private double distance(float[] x, int o, int c) {
        int mo = c * d;
        double s = 0;
        for (int j = 0; j < d; j++) {
            double v = x[o + j] - means[mo + j];
            s += v * v;
        }
        return s;
    }

    /** The direct {@code fl(b_c + Σ w_c·x)}, in column order. */
    private double score(float[] x, int o, int c) {
        int wo = c * d;
        double s = bias == null ? 0 : bias[c];
        for (int j = 0; j < d; j++) {
            s += weights[wo + j] * x[o + j];
        }
        return s;
    }

    /**
     * Gap below which a screened ncc decision is rechecked. The screen {@code ‖μ‖² − 2 fl32(x·μ̃)}
     * ({@code μ̃} the float32 rounding of μ, the dot product a float32 GEMM in any summation
     * order) differs from the exact {@code ‖x − μ‖² − ‖x‖²} by at most
     * {@code e₃₂ = 2γ³²_{d+2}‖x‖‖μ‖ + γ_{d+3}(‖μ‖² + 2‖x‖‖μ‖) + η} (Higham, Accuracy and
     * Stability, §3.1: {@code γ_m = m·u/(1 − m·u)}, u = 2⁻⁵³ and 2⁻²⁴ for γ³²; the conversion of μ
     * adds u₃₂ per term, within the γ³²_{d+2}; η covers float32 underflow, 2⁻¹⁴⁹ per product and
     * per converted entry), and the direct {@code fl(Σ(x − μ)²)} from the exact value by at most
     * {@code e₆₄ = 2γ_{d+2}(‖x‖² + ‖μ‖²)}. A candidate whose screened score is more than
     * {@code 2(e₃₂ + e₆₄)} above the best screened score cannot be the direct winner (its direct
     * value would be strictly larger than the screened best's), so only the others are evaluated
     * directly. The largest candidate norm makes the bound hold for every candidate; the factor
     * 1.0625 covers norms that were themselves computed with rounding.
     */
    static double nccTolerance(int d, double xx, double maxMu2) {
        double xn = Math.sqrt(xx);
        double mn = Math.sqrt(maxMu2);
        double e32 = 2 * gamma32(d + 2) * xn * mn + gamma(d + 3) * (maxMu2 + 2 * xn * mn) + eta(d, xn);
        double e64 = 2 * gamma(d + 2) * (xx + maxMu2);
        return 2 * (e32 + e64) * 1.0625;
    }

    /**
     * As {@link #nccTolerance} for {@code b + w·x}: the screen {@code b + fl32(x·w̃)} within
     * {@code γ³²_{d+2}‖w‖‖x‖ + γ_3(|b| + 2‖w‖‖x‖) + η} of the exact value, the direct evaluation
     * within {@code γ_{d+1}(|b| + ‖w‖‖x‖)}.
     */
    static double linTolerance(int d, double xNorm, double maxW, double maxAbsBias) {
        double e32 = gamma32(d + 2) * maxW * xNorm + gamma(3) * (maxAbsBias + 2 * maxW * xNorm) + eta(d, xNorm);
        double e64 = gamma(d + 1) * (maxAbsBias + maxW * xNorm);
        return 2 * (e32 + e64) * 1.0625;
    }

    private static double gamma(int m) {
        double mu = m * 0x1p-53;
        return mu / (1 - mu);
    }

    private static double gamma32(int m) {
        double mu = m * 0x1p-24;
        return mu / (1 - mu);
    }

    /** Float32 underflow in a screened score: 2⁻¹⁴⁹ per product and per converted entry, doubled for −2x·μ. */
    static double eta(int d, double xNorm) {
        return 4 * (Math.sqrt(d) * xNorm + d) * 0x1p-149;
    }

    /**
     * The candidates packed for {@code sgemm}: each block of up to {@code block} candidates as
     * its means then its weights rounded to float32 ({@code [M_b; W_b]}, 2·nq × d), with the
     * float64 squared norms of the means and the scales of the recheck tolerances. The screen is
     * float32 whatever the working type: a profile at K = 10 and 64 put all native time in the
     * float64 GEMM of the scores, and the recheck makes the decisions those of the direct float64
     * evaluation either way.
     */
    private final class Packed {
        private final BLAS blas;
        private final int block;
        private final float[] mw;
        private final double[] mu2;
        private final double[] bc;
        private final double maxMu2;
        private final double maxW;
        private final double maxAbsBias;

        Packed(BLAS blas, int block) {
            this.blas = blas;
            int c = cand.length;
            this.block = Math.min(Math.max(1, block), c);
            mw = new float[Math.multiplyExact(2 * c, d)];
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
                    int co = cand[q] * d;
                    double s = 0;
                    double sw = 0;
                    for (int j = 0; j < d; j++) {
                        double m = means[co + j];
                        double w = weights[co + j];
                        // A value beyond float range becomes ±∞ here: its scores are not finite
                        // and the rows are decided directly.
                        mw[mo + j] = (float) m;
                        mw[wo + j] = (float) w;
                        s += m * m;
                        sw += w * w;
                    }
                    mu2[q] = s;
                    bc[q] = bias == null ? 0 : bias[cand[q]];
                    m2 = Math.max(m2, s);
                    w2 = Math.max(w2, sw);
                    ab = Math.max(ab, Math.abs(bc[q]));
                }
            }
            maxMu2 = m2;
            maxW = Math.sqrt(w2);
            maxAbsBias = ab;
        }

        /** Rows per task: about 2¹⁸ score entries, so that small K gets tall GEMM calls. */
        int rowBlock() {
            return Math.max(ROW_BLOCK, Math.min(2048, GEMM_SCORES / (2 * block)));
        }

        /** Decides rows [r0, r1) of x into ncc and lin. */
        void decide(float[] x, int r0, int r1, int[] ncc, int[] lin) {
            int nr = r1 - r0;
            int c = cand.length;
            double[] xx = new double[nr];
            for (int r = 0; r < nr; r++) {
                xx[r] = squaredNorm(x, (r0 + r) * d, d);
            }
            double[] n1 = filled(nr, Double.POSITIVE_INFINITY);
            double[] n2 = filled(nr, Double.POSITIVE_INFINITY);
            double[] l1 = filled(nr, Double.NEGATIVE_INFINITY);
            double[] l2 = filled(nr, Double.NEGATIVE_INFINITY);
            int[] bn = new int[nr];
            int[] bl = new int[nr];
            boolean[] bad = new boolean[nr];
            float[] g = new float[2 * block * nr];
            // Score of candidate q (of the block) for row r: g[r·rs + q·qs] (ncc), + nq·qs (linear).
            int rs = 0;
            int qs = 0;
            for (int q0 = 0; q0 < c; q0 += block) {
                int nq = Math.min(c, q0 + block) - q0;
                int m = 2 * nq;
                if (m < TALL_BELOW) {
                    // Few candidates: G (nr × 2nq, column-major) = X [M_b; W_b]ᵀ puts the long side
                    // where the BLAS micro-kernel's long dimension is.
                    blas.sgemm("T", "N", nr, m, d, 1f, x, r0 * d, d, mw, 2 * q0 * d, d, 0f, g, 0, nr);
                    rs = 1;
                    qs = nr;
                } else {
                    // Row-major [M_b; W_b] rows are column-major columns: G (2nq × nr, column-major).
                    blas.sgemm("T", "N", m, nr, d, 1f, mw, 2 * q0 * d, d, x, r0 * d, d, 0f, g, 0, m);
                    rs = m;
                    qs = 1;
                }
                for (int r = 0; r < nr; r++) {
                    int o = r * rs;
                    double b1 = n1[r];
                    double b2 = n2[r];
                    int bi = bn[r];
                    boolean nonFinite = false;
                    for (int q = 0; q < nq; q++) {
                        double s = mu2[q0 + q] - 2 * (double) g[o + q * qs];
                        nonFinite |= !(Math.abs(s) <= Double.MAX_VALUE);
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
                    o += nq * qs;
                    for (int q = 0; q < nq; q++) {
                        double s = g[o + q * qs] + bc[q0 + q];
                        nonFinite |= !(Math.abs(s) <= Double.MAX_VALUE);
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
                    bad[r] |= nonFinite;
                }
            }
            // With one candidate block the scores are still in g: a near tie is settled by the
            // direct evaluation of the candidates within the tolerance of the best only.
            boolean oneBlock = block == c;
            for (int r = 0; r < nr; r++) {
                int o = (r0 + r) * d;
                double tn = nccTolerance(d, xx[r], maxMu2);
                double tl = linTolerance(d, Math.sqrt(xx[r]), maxW, maxAbsBias);
                // With one candidate the runner-up is ±∞ and the gap infinite: no recheck.
                if (!bad[r] && n2[r] - n1[r] > tn) {
                    ncc[r0 + r] = cand[bn[r]];
                } else if (oneBlock && !bad[r] && Double.isFinite(tn)) {
                    ncc[r0 + r] = nearestWithin(x, o, g, r * rs, qs, n1[r] + tn);
                } else {
                    ncc[r0 + r] = nearest(x, o);
                }
                if (!bad[r] && l1[r] - l2[r] > tl) {
                    lin[r0 + r] = cand[bl[r]];
                } else if (oneBlock && !bad[r] && Double.isFinite(tl)) {
                    lin[r0 + r] = linearWithin(x, o, g, r * rs + c * qs, qs, l1[r] - tl);
                } else {
                    lin[r0 + r] = linear(x, o);
                }
            }
        }

        /** The direct nearest centre among candidates whose screened score is at most limit. */
        private int nearestWithin(float[] x, int o, float[] g, int go, int qs, double limit) {
            int best = -1;
            double bestD = Double.POSITIVE_INFINITY;
            for (int q = 0; q < cand.length; q++) {
                if (mu2[q] - 2 * (double) g[go + q * qs] <= limit) {
                    double s = distance(x, o, cand[q]);
                    if (s < bestD || best < 0) {
                        bestD = s;
                        best = cand[q];
                    }
                }
            }
            return best;
        }

        /** The direct linear decision among candidates whose screened score is at least limit. */
        private int linearWithin(float[] x, int o, float[] g, int go, int qs, double limit) {
            int best = -1;
            double bestS = Double.NEGATIVE_INFINITY;
            for (int q = 0; q < cand.length; q++) {
                if (g[go + q * qs] + bc[q] >= limit) {
                    double s = score(x, o, cand[q]);
                    if (s > bestS || best < 0) {
                        bestS = s;
                        best = cand[q];
                    }
                }
            }
            return best;
        }
    }

    /**
     * ‖x‖² for the tolerances, which need it only to a few percent (their factor 1.0625): eight
     * independent float32 sums (a profile at K = 10 had this loop, in float64 with four sums, as
     * the hottest Java frame; twice as fast in float32). Where a float32 square could have
     * underflowed (a result below 2⁻⁶⁰) the float64 loop gives the value; an overflow gives ∞,
     * so every candidate of the row is evaluated directly.
     */
    static double squaredNorm(float[] x, int o, int d) {
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        float s4 = 0;
        float s5 = 0;
        float s6 = 0;
        float s7 = 0;
        int j = 0;
        for (; j + 7 < d; j += 8) {
            float a0 = x[o + j];
            float a1 = x[o + j + 1];
            float a2 = x[o + j + 2];
            float a3 = x[o + j + 3];
            float a4 = x[o + j + 4];
            float a5 = x[o + j + 5];
            float a6 = x[o + j + 6];
            float a7 = x[o + j + 7];
            s0 += a0 * a0;
            s1 += a1 * a1;
            s2 += a2 * a2;
            s3 += a3 * a3;
            s4 += a4 * a4;
            s5 += a5 * a5;
            s6 += a6 * a6;
            s7 += a7 * a7;
        }
        for (; j < d; j++) {
            s0 += x[o + j] * x[o + j];
        }
        double s = ((double) s0 + s1) + ((double) s2 + s3) + (((double) s4 + s5) + ((double) s6 + s7));
        if (s >= 0x1p-60) {
            return s;
        }
        double t = 0;
        for (j = 0; j < d; j++) {
            double v = x[o + j];
            t += v * v;
        }
        return t;
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
