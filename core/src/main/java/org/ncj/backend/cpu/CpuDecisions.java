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
 *
 * <p>The screened scores are scanned in float32 ({@code fl32(‖μ̃_c‖² − 2g)}, {@code fl32(g + b̃_c)}),
 * with bounds that add that rounding ({@link #nccTolerance32}, {@link #linTolerance32}), by two
 * branch-free loops per row and block that the JIT vectorises: the best score, then how many
 * scores lie within the tolerance of it (one: the decision; more: the direct recheck). A profile
 * at K = 2000, D = 128 had 30% of the decisions' time in the former branchy float64 best/runner-up
 * scan; that scan remains for blocks of fewer than 32 candidates and for rows whose scores a
 * bound cannot keep finite (norms beyond 2¹⁰⁰), where a per-score finite test sends rows with
 * overflowed scores to the direct evaluation.
 */
final class CpuDecisions implements Decisions {
    /** Rows per task of the direct loops. */
    private static final int ROW_BLOCK = 64;
    /** Rows per GEMM task: about this many score entries (rows × 2 candidates) per task. */
    private static final int GEMM_SCORES = 1 << 18;
    /** Bytes of rows per task of the tall Vector API kernel: half of a Zen 4 core's L2. */
    private static final int TALL_SIMD_BYTES = 1 << 19;
    /** Fewer candidates than this: the direct loops. */
    static final int GEMM_MIN_CANDIDATES = 1;
    /** Candidate blocks of fewer than half this are scored transposed (rows × scores) and scanned in float64. */
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
    /** Tall score blocks through {@link SimdRows#scoresTall} (else {@code sgemm}). */
    private final boolean simdScores;
    /** Packed for the GEMM path, or null: candidates' means and weights (c×d), ‖μ_c‖², biases. */
    private final Packed packed;
    /** Score buffers of the GEMM path not in use (at most one per task that ran at once); sgemm overwrites them (β = 0). */
    private final java.util.concurrent.ConcurrentLinkedDeque<float[]> scoreBuffers = new java.util.concurrent.ConcurrentLinkedDeque<>();

    CpuDecisions(double[] means, double[] weights, double[] bias, int[] candidates, int k, int d) {
        this(means, weights, bias, candidates, k, d, candidates.length >= GEMM_MIN_CANDIDATES ? CpuSyrk.blas() : null,
                CANDIDATE_BLOCK);
    }

    /** With an explicit BLAS (null: direct loops) and candidate block, for tests. */
    CpuDecisions(double[] means, double[] weights, double[] bias, int[] candidates, int k, int d, BLAS blas, int candidateBlock) {
        this(means, weights, bias, candidates, k, d, blas, candidateBlock, Simd.ENABLED);
    }

    /** Also choosing how tall score blocks are formed ({@link SimdRows#scoresTall}, else the BLAS), for tests. */
    CpuDecisions(double[] means, double[] weights, double[] bias, int[] candidates, int k, int d, BLAS blas, int candidateBlock,
            boolean simdScores) {
        this.simdScores = simdScores;
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

    /** Whether the score blocks are scanned in float32 (rows whose scores are bounded finite): whenever they are screened. */
    boolean scansFloat32() {
        return packed != null;
    }

    /** Whether a row of squared norm xx (as {@link #squaredNorm} gives it) takes the float32 scan. */
    boolean scansFloat32(double xx) {
        return packed != null && packed.finiteScores(xx);
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
        if (packed == null) {
            CpuBackend.parallelFor((n + ROW_BLOCK - 1) / ROW_BLOCK, b -> {
                for (int r = b * ROW_BLOCK; r < Math.min(n, (b + 1) * ROW_BLOCK); r++) {
                    ncc[r] = nearest(x, r * d);
                    lin[r] = linear(x, r * d);
                }
            });
            return new int[][] {ncc, lin};
        }
        int rows = packed.rowBlock();
        CpuBackend.parallelFor((n + rows - 1) / rows, b -> {
            // Score buffers are reused across row blocks and batches: one per row block (1 MB at
            // K ≥ 512, a G1 humongous object) cost a young collection every ~60 blocks.
            float[] g = scoreBuffers.poll();
            if (g == null) {
                g = packed.scoreBuffer();
            }
            packed.decide(x, b * rows, Math.min(n, (b + 1) * rows), ncc, lin, g);
            scoreBuffers.push(g);
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
     * As {@link #nccTolerance} for the float32 scan of the score block: the screen
     * {@code fl₃₂(h − 2 fl32(x·μ̃))}, {@code h} the float32 rounding of the float64 {@code ‖μ‖²},
     * differs from the exact {@code ‖x − μ‖² − ‖x‖²} by at most
     * {@code e₃₂ = 2γ³²_{d+3}‖x‖‖μ‖ + (γ_d + γ³²_3(1 + γ_d))‖μ‖² + 2η}: the GEMM's
     * {@code 2γ³²_{d+2}‖x‖‖μ‖ + η}, {@code ‖μ‖²} summed in float64 ({@code γ_d}) and rounded to
     * float32 ({@code u₃₂}, or 2⁻¹⁵⁰ below float32's normals), and the float32 subtraction
     * ({@code u₃₂(h + 2|fl32(x·μ̃)|)}); the direct evaluation as in {@link #nccTolerance}.
     */
    static double nccTolerance32(int d, double xx, double maxMu2) {
        double xn = Math.sqrt(xx);
        double mn = Math.sqrt(maxMu2);
        double e32 = 2 * gamma32(d + 3) * xn * mn + (gamma(d) + gamma32(3) * (1 + gamma(d))) * maxMu2 + 2 * eta(d, xn);
        double e64 = 2 * gamma(d + 2) * (xx + maxMu2);
        return 2 * (e32 + e64) * 1.0625;
    }

    /**
     * As {@link #linTolerance} for the float32 scan: the screen {@code fl₃₂(fl32(x·w̃) + b̃)},
     * {@code b̃} the float32 rounding of b, within {@code γ³²_{d+3}‖w‖‖x‖ + γ³²_3|b| + η} of the
     * exact value.
     */
    static double linTolerance32(int d, double xNorm, double maxW, double maxAbsBias) {
        double e32 = gamma32(d + 3) * maxW * xNorm + gamma32(3) * maxAbsBias + eta(d, xNorm);
        double e64 = gamma(d + 1) * (maxAbsBias + maxW * xNorm);
        return 2 * (e32 + e64) * 1.0625;
    }

    /**
     * The least float32 at or above {@code fl(v + t)} and above v: a score below it is within
     * the tolerance of v, one at or above it is not. The float32 rounding goes up; the float64
     * sum's is at most {@code u(|v| + t)}, and the float32 scan's tolerances are at least
     * {@code 6u₃₂} times the bound on {@code |v|} (2²⁹·6u), far inside their slack (the factor 1.0625).
     */
    static float above(float v, double t) {
        double s = v + t;
        float f = (float) s;
        return f < s || f <= v ? Math.nextUp(f) : f;
    }

    /** The greatest float32 at or below {@code fl(v − t)} and below v. */
    static float below(float v, double t) {
        double s = v - t;
        float f = (float) s;
        return f > s || f >= v ? Math.nextDown(f) : f;
    }

    /**
     * The float32 ncc scores {@code fl32(h_q − 2g_q)} of one row over a block (contiguous from
     * {@code g[o]}): the least into {@code best[0]}, and its candidate if every other score is at
     * or above {@code above(best, t)}, else −1. Two loops without branches, which the JIT
     * vectorises: the minimum, then the count and index sum of the scores below the limit.
     */
    static int nearestScan(float[] g, int o, float[] hf, int q0, int nq, double t, float[] best) {
        float b = Float.POSITIVE_INFINITY;
        for (int q = 0; q < nq; q++) {
            b = Math.min(b, hf[q0 + q] - 2f * g[o + q]);
        }
        float lim = above(b, t);
        int n = 0;
        int at = 0;
        for (int q = 0; q < nq; q++) {
            // 1 where the score is below lim, else 0.
            int hit = (int) Math.signum(Math.max(0f, lim - (hf[q0 + q] - 2f * g[o + q])));
            n += hit;
            at += hit * q;
        }
        best[0] = b;
        return n == 1 ? q0 + at : -1;
    }

    /** As {@link #nearestScan} for the linear scores {@code fl32(g_q + b̃_q)}: the greatest, and the others at or below {@code below(best, t)}. */
    static int linearScan(float[] g, int o, float[] bf, int q0, int nq, double t, float[] best) {
        float b = Float.NEGATIVE_INFINITY;
        for (int q = 0; q < nq; q++) {
            b = Math.max(b, g[o + q] + bf[q0 + q]);
        }
        float lim = below(b, t);
        int n = 0;
        int at = 0;
        for (int q = 0; q < nq; q++) {
            int hit = (int) Math.signum(Math.max(0f, (g[o + q] + bf[q0 + q]) - lim));
            n += hit;
            at += hit * q;
        }
        best[0] = b;
        return n == 1 ? q0 + at : -1;
    }

    /**
     * {@link #nearestScan} for every row of a tall block at once (candidate q's scores of the nr
     * rows contiguous from {@code g[q·nr]}): the same scores, limits and counts per row, in loops
     * over the rows, which the JIT vectorises (the per-row float64 scan it replaces at K = 10 had
     * more Java samples than any other frame of the decisions). Into {@code best} and {@code at}
     * (the candidate, or −1); {@code lim} and {@code cnt} are scratch.
     */
    static void nearestScanTall(float[] g, int nr, float[] hf, int q0, int nq, double[] t, float[] best, int[] at,
            float[] lim, int[] cnt) {
        java.util.Arrays.fill(best, 0, nr, Float.POSITIVE_INFINITY);
        for (int q = 0; q < nq; q++) {
            float h = hf[q0 + q];
            int go = q * nr;
            for (int r = 0; r < nr; r++) {
                best[r] = Math.min(best[r], h - 2f * g[go + r]);
            }
        }
        for (int r = 0; r < nr; r++) {
            lim[r] = above(best[r], t[r]);
        }
        java.util.Arrays.fill(cnt, 0, nr, 0);
        java.util.Arrays.fill(at, 0, nr, 0);
        for (int q = 0; q < nq; q++) {
            float h = hf[q0 + q];
            int go = q * nr;
            for (int r = 0; r < nr; r++) {
                int hit = (int) Math.signum(Math.max(0f, lim[r] - (h - 2f * g[go + r])));
                cnt[r] += hit;
                at[r] += hit * q;
            }
        }
        for (int r = 0; r < nr; r++) {
            at[r] = cnt[r] == 1 ? q0 + at[r] : -1;
        }
    }

    /** {@link #linearScan} for every row of a tall block at once, the scores of candidate q from {@code g[go0 + q·nr]}. */
    static void linearScanTall(float[] g, int go0, int nr, float[] bf, int q0, int nq, double[] t, float[] best, int[] at,
            float[] lim, int[] cnt) {
        java.util.Arrays.fill(best, 0, nr, Float.NEGATIVE_INFINITY);
        for (int q = 0; q < nq; q++) {
            float b = bf[q0 + q];
            int go = go0 + q * nr;
            for (int r = 0; r < nr; r++) {
                best[r] = Math.max(best[r], g[go + r] + b);
            }
        }
        for (int r = 0; r < nr; r++) {
            lim[r] = below(best[r], t[r]);
        }
        java.util.Arrays.fill(cnt, 0, nr, 0);
        java.util.Arrays.fill(at, 0, nr, 0);
        for (int q = 0; q < nq; q++) {
            float b = bf[q0 + q];
            int go = go0 + q * nr;
            for (int r = 0; r < nr; r++) {
                int hit = (int) Math.signum(Math.max(0f, (g[go + r] + b) - lim[r]));
                cnt[r] += hit;
                at[r] += hit * q;
            }
        }
        for (int r = 0; r < nr; r++) {
            at[r] = cnt[r] == 1 ? q0 + at[r] : -1;
        }
    }

    /**
     * The float64 scan of one row over a block (any layout): best and runner-up screened
     * scores and the best's candidate into the row's state, and whether a score is not finite.
     */
    static void scanGeneral(float[] g, int o, int qs, double[] mu2, double[] bc, int q0, int nq, int r, double[] n1,
            double[] n2, int[] bn, double[] l1, double[] l2, int[] bl, boolean[] bad) {
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

    /**
     * The candidates packed for {@code sgemm}: each block of up to {@code block} candidates as
     * its means then its weights rounded to float32 ({@code [M_b; W_b]}, 2·nq × d), with the
     * float64 squared norms of the means and the scales of the recheck tolerances. The screen is
     * float32 whatever the working type: a profile at K = 10 and 64 put all native time in the
     * float64 GEMM of the scores, and the recheck makes the decisions those of the direct float64
     * evaluation either way.
     *
     * <p>With candidate blocks of 32 or more the scores are written each row's contiguous and
     * scanned in float32 by {@link #nearestScan} and {@link #linearScan}, in loops the JIT
     * vectorises (a profile at K = 2000 put 30% of the decisions' time in the branchy per-score
     * best/runner-up scan these replace). Smaller blocks are written tall (each candidate's
     * scores contiguous) and scanned by {@link #nearestScanTall} and {@link #linearScanTall}, the
     * same float32 scan run over all rows at once. Rows whose scores a bound cannot keep finite
     * take the float64 scan, {@link #scanGeneral}, with a finite test per score.
     */
    private final class Packed {
        /** Rows with ‖x‖ · (largest float32 row norm), ‖μ‖² and |b| all at most this cannot have a non-finite score. */
        private static final double FINITE_SCALE = 0x1p100;

        private final BLAS blas;
        private final int block;
        private final float[] mw;
        private final double[] mu2;
        private final double[] bc;
        /** Float32 roundings of mu2 and bc, for the float32 scan. */
        private final float[] hf;
        private final float[] bf;
        private final double maxMu2;
        private final double maxW;
        private final double maxAbsBias;
        /** Score blocks written a row's scores contiguous (else a candidate's). */
        private final boolean wide;
        /** The largest norm of a packed float32 row (mean or weight), in float64; ∞ if one is not finite. */
        private final double maxPackedNorm;

        Packed(BLAS blas, int block) {
            this.blas = blas;
            int c = cand.length;
            this.block = Math.min(Math.max(1, block), c);
            this.wide = 2 * this.block >= TALL_BELOW;
            mw = new float[Math.multiplyExact(2 * c, d)];
            mu2 = new double[c];
            bc = new double[c];
            hf = new float[c];
            bf = new float[c];
            double m2 = 0;
            double w2 = 0;
            double ab = 0;
            double p2 = 0;
            for (int q0 = 0; q0 < c; q0 += this.block) {
                int nq = Math.min(c, q0 + this.block) - q0;
                for (int q = q0; q < q0 + nq; q++) {
                    int mo = (2 * q0 + (q - q0)) * d;
                    int wo = mo + nq * d;
                    int co = cand[q] * d;
                    double s = 0;
                    double sw = 0;
                    double fm = 0;
                    double fw = 0;
                    for (int j = 0; j < d; j++) {
                        double m = means[co + j];
                        double w = weights[co + j];
                        // A value beyond float range becomes ±∞ here: its scores are not finite
                        // and the rows are decided directly.
                        mw[mo + j] = (float) m;
                        mw[wo + j] = (float) w;
                        s += m * m;
                        sw += w * w;
                        fm += (double) mw[mo + j] * mw[mo + j];
                        fw += (double) mw[wo + j] * mw[wo + j];
                    }
                    mu2[q] = s;
                    bc[q] = bias == null ? 0 : bias[cand[q]];
                    hf[q] = (float) s;
                    bf[q] = (float) bc[q];
                    m2 = Math.max(m2, s);
                    w2 = Math.max(w2, sw);
                    ab = Math.max(ab, Math.abs(bc[q]));
                    // NaN (a NaN entry) compares false: Math.max keeps it, and it fails every bound.
                    p2 = Math.max(p2, Math.max(fm, fw));
                }
            }
            maxMu2 = m2;
            maxW = Math.sqrt(w2);
            maxAbsBias = ab;
            maxPackedNorm = Math.sqrt(p2);
        }

        /**
         * Rows per task: about 2¹⁸ score entries, so that small K gets tall GEMM calls; for the
         * tall Vector API kernel, rows of about {@value #TALL_SIMD_BYTES} bytes, which the norm pass
         * streams into L2 for the tiles. The tiles run at 85 GFLOP/s a core on rows in L2 against
         * 44 on rows from memory (4 rows read at once do not stream); the decisions at K = 10,
         * D = 512 took 14.4–21.4 ms against 17.8–34.8 with 2048 rows (5 alternating runs). Squares
         * taken in the tiles' own sweep instead of the norm pass were slower (20–27 ms).
         */
        int rowBlock() {
            if (!wide && simdScores) {
                return Math.max(ROW_BLOCK, Math.min(2048, TALL_SIMD_BYTES / (Float.BYTES * d)));
            }
            return Math.max(ROW_BLOCK, Math.min(2048, GEMM_SCORES / (2 * block)));
        }

        /**
         * Whether every float32 score of the row is finite: the packed rows and x finite (a NaN
         * or ∞ makes a norm fail the bounds), every partial sum of {@code fl32(x·v)} at most
         * {@code (1 + u₃₂)^d‖x‖‖v‖ ≤ 1.3 · 2¹⁰⁰} (d ≤ 2²²), {@code h} and {@code |b̃|} at most 2¹⁰⁰, so no
         * partial sum, product or subtraction reaches float32's 2¹²⁸ (and none is ∞ − ∞ or 0·∞).
         */
        private boolean finiteScores(double xx) {
            return d <= 1 << 22 && maxMu2 <= FINITE_SCALE && maxAbsBias <= FINITE_SCALE && xx <= FINITE_SCALE
                    && Math.sqrt(xx) * maxPackedNorm <= FINITE_SCALE;
        }

        /** A buffer for the scores of one row block. */
        float[] scoreBuffer() {
            return new float[2 * block * rowBlock()];
        }

        /** Decides rows [r0, r1) (at most a row block) of x into ncc and lin, the scores in g ({@link #scoreBuffer}). */
        void decide(float[] x, int r0, int r1, int[] ncc, int[] lin, float[] g) {
            int nr = r1 - r0;
            int c = cand.length;
            double[] xx = new double[nr];
            boolean[] fast = new boolean[nr];
            double[] tn32 = new double[nr];
            double[] tl32 = new double[nr];
            boolean allFast = true;
            for (int r = 0; r < nr; r++) {
                xx[r] = squaredNorm(x, (r0 + r) * d, d);
                fast[r] = finiteScores(xx[r]);
                allFast &= fast[r];
                tn32[r] = nccTolerance32(d, xx[r], maxMu2);
                tl32[r] = linTolerance32(d, Math.sqrt(xx[r]), maxW, maxAbsBias);
            }
            // Float32 scan (rows with finite scores): the best score, its candidate, and whether
            // another candidate's score is within the tolerance of it (then the row is rechecked).
            float[] fn = new float[nr];
            float[] fl = new float[nr];
            java.util.Arrays.fill(fn, Float.POSITIVE_INFINITY);
            java.util.Arrays.fill(fl, Float.NEGATIVE_INFINITY);
            int[] in = new int[nr];
            int[] il = new int[nr];
            boolean[] nearN = new boolean[nr];
            boolean[] nearL = new boolean[nr];
            // Float64 scan (the other rows): best and runner-up scores, the best's candidate, a non-finite score seen.
            // Allocated only where a row needs it: filling them cost 2% of the decisions at K = 10.
            int ng = allFast ? 0 : nr;
            double[] n1 = filled(ng, Double.POSITIVE_INFINITY);
            double[] n2 = filled(ng, Double.POSITIVE_INFINITY);
            double[] l1 = filled(ng, Double.NEGATIVE_INFINITY);
            double[] l2 = filled(ng, Double.NEGATIVE_INFINITY);
            int[] bn = new int[ng];
            int[] bl = new int[ng];
            boolean[] bad = new boolean[ng];
            float[] best = new float[1];
            // The tall layout's float32 scans, all rows of a block at once: best score, its candidate (or −1).
            float[] tbn = wide ? null : new float[nr];
            int[] tan = wide ? null : new int[nr];
            float[] tbl = wide ? null : new float[nr];
            int[] tal = wide ? null : new int[nr];
            float[] tlim = wide ? null : new float[nr];
            int[] tcnt = wide ? null : new int[nr];
            // Score of candidate q (of the block) for row r: g[r·rs + q·qs] (ncc), + nq·qs (linear).
            int rs = 0;
            int qs = 0;
            for (int q0 = 0; q0 < c; q0 += block) {
                int nq = Math.min(c, q0 + block) - q0;
                int m = 2 * nq;
                if (!wide) {
                    // Few candidates: G (nr × 2nq, column-major) = X [M_b; W_b]ᵀ puts the long side
                    // where the BLAS micro-kernel's long dimension is; the Vector API kernel
                    // writes the same layout without the BLAS threads (SimdRows.scoresTall).
                    if (simdScores) {
                        SimdRows.scoresTall(x, r0 * d, nr, d, mw, 2 * q0 * d, m, g);
                    } else {
                        blas.sgemm("T", "N", nr, m, d, 1f, x, r0 * d, d, mw, 2 * q0 * d, d, 0f, g, 0, nr);
                    }
                    rs = 1;
                    qs = nr;
                    nearestScanTall(g, nr, hf, q0, nq, tn32, tbn, tan, tlim, tcnt);
                    linearScanTall(g, nq * nr, nr, bf, q0, nq, tl32, tbl, tal, tlim, tcnt);
                } else {
                    // Row-major [M_b; W_b] rows are column-major columns: G (2nq × nr, column-major),
                    // each row's scores contiguous.
                    blas.sgemm("T", "N", m, nr, d, 1f, mw, 2 * q0 * d, d, x, r0 * d, d, 0f, g, 0, m);
                    rs = m;
                    qs = 1;
                }
                for (int r = 0; r < nr; r++) {
                    int o = r * rs;
                    if (!fast[r]) {
                        scanGeneral(g, o, qs, mu2, bc, q0, nq, r, n1, n2, bn, l1, l2, bl, bad);
                        continue;
                    }
                    // Across blocks: the row stays decided only if no candidate so far is within
                    // the tolerance of the best so far (the new block's best or the old one). In
                    // the first block the old best is ±∞, never within it: the limit is not formed.
                    int at;
                    float b;
                    if (wide) {
                        at = nearestScan(g, o, hf, q0, nq, tn32[r], best);
                        b = best[0];
                    } else {
                        at = tan[r];
                        b = tbn[r];
                    }
                    if (b < fn[r]) {
                        nearN[r] = at < 0 || q0 > 0 && fn[r] < above(b, tn32[r]);
                        fn[r] = b;
                        in[r] = at;
                    } else {
                        nearN[r] |= b < above(fn[r], tn32[r]);
                    }
                    if (wide) {
                        at = linearScan(g, o + nq, bf, q0, nq, tl32[r], best);
                        b = best[0];
                    } else {
                        at = tal[r];
                        b = tbl[r];
                    }
                    if (b > fl[r]) {
                        nearL[r] = at < 0 || q0 > 0 && fl[r] > below(b, tl32[r]);
                        fl[r] = b;
                        il[r] = at;
                    } else {
                        nearL[r] |= b > below(fl[r], tl32[r]);
                    }
                }
            }
            // With one candidate block the scores are still in g: a near tie is settled by the
            // direct evaluation of the candidates within the tolerance of the best only.
            boolean oneBlock = block == c;
            for (int r = 0; r < nr; r++) {
                int o = (r0 + r) * d;
                if (fast[r]) {
                    if (!nearN[r]) {
                        ncc[r0 + r] = cand[in[r]];
                    } else if (oneBlock) {
                        ncc[r0 + r] = nearestWithin32(x, o, g, r * rs, qs, above(fn[r], tn32[r]));
                    } else {
                        ncc[r0 + r] = nearest(x, o);
                    }
                    if (!nearL[r]) {
                        lin[r0 + r] = cand[il[r]];
                    } else if (oneBlock) {
                        lin[r0 + r] = linearWithin32(x, o, g, r * rs + c * qs, qs, below(fl[r], tl32[r]));
                    } else {
                        lin[r0 + r] = linear(x, o);
                    }
                    continue;
                }
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

        /** The direct nearest centre among candidates whose float32 screened score is below limit (one block; candidate q's at g[go + q·qs]). */
        private int nearestWithin32(float[] x, int o, float[] g, int go, int qs, float limit) {
            int best = -1;
            double bestD = Double.POSITIVE_INFINITY;
            for (int q = 0; q < cand.length; q++) {
                if (hf[q] - 2f * g[go + q * qs] < limit) {
                    double s = distance(x, o, cand[q]);
                    if (s < bestD || best < 0) {
                        bestD = s;
                        best = cand[q];
                    }
                }
            }
            return best;
        }

        /** The direct linear decision among candidates whose float32 screened score is above limit. */
        private int linearWithin32(float[] x, int o, float[] g, int go, int qs, float limit) {
            int best = -1;
            double bestS = Double.NEGATIVE_INFINITY;
            for (int q = 0; q < cand.length; q++) {
                if (g[go + q * qs] + bf[q] > limit) {
                    double s = score(x, o, cand[q]);
                    if (s > bestS || best < 0) {
                        bestS = s;
                        best = cand[q];
                    }
                }
            }
            return best;
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
     * ‖x‖² for the tolerances, which need it only to a few percent (their factor 1.0625): float32
     * sums in independent partials ({@link SimdRows#squaredSum} where the Vector API is available,
     * {@link ScalarRows#squaredSum32} otherwise; a profile at K = 10 had the float64 loop with four sums as
     * the hottest Java frame, twice as slow as eight float32 sums, which in turn took a third of
     * the Java samples of the decisions until the vector form). Where a float32 square could have
     * underflowed (a result below 2⁻⁶⁰) the float64 loop gives the value; an overflow gives ∞, so
     * every candidate of the row is evaluated directly.
     */
    static double squaredNorm(float[] x, int o, int d) {
        double s = Simd.ENABLED ? SimdRows.squaredSum(x, o, d) : ScalarRows.squaredSum32(x, o, d);
        if (s >= 0x1p-60) {
            return s;
        }
        double t = 0;
        for (int j = 0; j < d; j++) {
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
        // heap only: the score buffers go with the object
        scoreBuffers.clear();
    }
}
