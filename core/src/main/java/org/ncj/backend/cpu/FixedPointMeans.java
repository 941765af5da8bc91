package org.ncj.backend.cpu;

import java.util.Arrays;

/**
 * The class means of the float32 variance norms as 31-bit fixed point: class k's mean is
 * {@code μ'_k = m_k · u_k}, an int row m_k and a power of two u_k chosen so that
 * {@code max_j |μ_kj| / u_k < 2^30}; each entry is μ rounded to the nearest multiple of u_k, so
 * {@code |μ'_kj − μ_kj| ≤ u_k / 2 ≤ 2^-30 max_j |μ_kj|}. Half the bytes of the float64 means: at
 * K = 10, D = 512 the table is 20 KB and stays in a 32 KB L1 beside the streamed rows, where the
 * 40 KB float64 table did not: on 131,072 rows 10.3–12.3 against 12.6–13.8 ms (1.23–1.37 against
 * 1.37–1.42 × a streaming read, alternating runs; bench/RESULTS.md, seventh session). A float32
 * table is as small but too coarse for the bound below at typical data (2^-24 against 2^-30).
 *
 * <p><b>The bound.</b> With {@code e = μ' − μ} and {@code A = Σ_r ‖x_r − μ'‖²} over a class's n rows
 * of one batch, the exact sum is {@code V = A − 2 e·Σ_r (x_r − μ') + n‖e‖²}, and by Cauchy–Schwarz
 * {@code |Σ_r (x_r − μ')| ≤ Σ_r ‖x_r − μ'‖ ≤ √(n A)}, so
 * {@code |V − A| ≤ 2‖e‖√(n A) + n‖e‖²}. {@link #settle} checks that this is at most
 * {@link #TOLERANCE}·A for every class of the batch, which holds while the rows' rms distance
 * {@code √(A/n)} from μ' is at least about 2^25‖e‖. A class that fails (tight classes far from
 * the origin, such as collapsed ones) has its rows of this batch recomputed from the float64
 * means and stays on them. So the float32 variance norms are within 2^-24 (float32 rounding) of the float64 sums,
 * always, and equal to them to float64 rounding where the fixed point cannot prove that.
 */
final class FixedPointMeans {
    /** The relative error allowed in a class's variance sum: float32's unit roundoff. */
    static final double TOLERANCE = 0x1p-24;
    /** Largest K·D whose int table (32 KB) stays in L1 where the float64 one may not. */
    static final long L1_VALUES = 1 << 13;
    /** Largest K·D whose int table (1 MB) fits in L2, where the float64 table was as fast or faster. */
    static final long L2_VALUES = 1 << 18;

    /**
     * Whether the fixed-point table pays for K × D means: where its 4 bytes a value keep it in L1
     * and the float64 table's 8 may not (K·D ≤ 2^13), or where it does not fit in L2 either
     * (K·D > 2^18), so half the bytes halve the table's traffic from L3 or memory. Where the int
     * table fits in L2 but not in L1, the float64 table was as fast or faster, for reasons the
     * probe does not show (probe VnD on 64 MB of rows, 2 threads, × a streaming read, float64
     * table against fixed point): K = 10, D = 128, 256, 512 1.17–1.57 against 0.90–1.34;
     * K = 10,000, D = 256 2.43–3.35 against 1.30–1.78; K = 30,000, D = 128 3.59–5.10 against
     * 2.34–3.17; K = 1000, D = 512 and 1024 level; but K = 1000, D = 128 1.20–1.62 against
     * 1.79–2.45 and K = 300, D = 256 1.43–1.73 against 1.75–2.07 (bench/RESULTS.md, seventh
     * session).
     */
    static boolean pays(int k, int d) {
        long values = (long) k * d;
        return values <= L1_VALUES || values > L2_VALUES;
    }

    private final int k;
    private final int d;
    /** m_k, row-major K × D. */
    private final int[] table;
    /** u_k, a power of two. */
    private final double[] unit;
    /** An upper bound on ‖μ'_k − μ_k‖. */
    private final double[] error;
    /** Classes whose rows use the float64 means: the bound failed once, or μ_k has no fixed point. */
    private final boolean[] exact;
    /** Per-class sums and counts of one batch, zero between batches. */
    private final double[] batchSum;
    private final long[] batchCount;

    FixedPointMeans(int k, int d) {
        this.k = k;
        this.d = d;
        this.table = new int[Math.multiplyExact(k, d)];
        this.unit = new double[k];
        this.error = new double[k];
        this.exact = new boolean[k];
        this.batchSum = new double[k];
        this.batchCount = new long[k];
    }

    /** Quantises the means (row-major K × D, float64) and forgets which classes had failed. */
    void set(double[] means) {
        for (int c = 0; c < k; c++) {
            int o = c * d;
            double max = 0;
            for (int j = 0; j < d; j++) {
                max = Math.max(max, Math.abs(means[o + j]));
            }
            // exponent(max) − 29 puts max/u in [2^29, 2^30) (getExponent is the same for every
            // subnormal, so those are scaled first); below 2^-1074 the unit would be zero.
            int e = max == 0 ? 0 : Math.getExponent(max * 0x1p54) - 54 - 29;
            exact[c] = !Double.isFinite(max) || e < Double.MIN_EXPONENT - 52;
            if (exact[c]) {
                continue;
            }
            double u = Math.scalb(1.0, e);
            double err = 0;
            for (int j = 0; j < d; j++) {
                double q = Math.rint(Math.scalb(means[o + j], -e));
                table[o + j] = (int) q;
                double dev = q * u - means[o + j];
                err += dev * dev;
            }
            unit[c] = u;
            // The rounding of the sum of squares and of its root, covered with room to spare.
            error[c] = Math.sqrt(err) * (1 + 0x1p-40);
        }
    }

    /** Whether class c's rows go through the fixed-point table. */
    boolean fast(int c) {
        return !exact[c];
    }

    int[] table() {
        return table;
    }

    double unit(int c) {
        return unit[c];
    }

    /**
     * Checks the bound for every class of the batch whose norms came from the fixed-point table
     * (rows' norms in {@code norms[0, n)}, finite rows only, as the caller has checked); returns
     * the classes that failed, now switched to the float64 means, whose rows of this batch the
     * caller must recompute. Leaves the per-batch scratch zero.
     */
    int[] settle(int[] y, int n, double[] norms) {
        for (int r = 0; r < n; r++) {
            int c = y[r];
            if (!exact[c]) {
                batchSum[c] += norms[r];
                batchCount[c]++;
            }
        }
        int[] failed = new int[4];
        int nf = 0;
        for (int r = 0; r < n; r++) {
            int c = y[r];
            long m = batchCount[c];
            if (m == 0) {
                continue;
            }
            double a = batchSum[c];
            double e = error[c];
            if (!(2 * e * Math.sqrt(m * a) + m * e * e <= TOLERANCE * a)) {
                exact[c] = true;
                if (nf == failed.length) {
                    failed = Arrays.copyOf(failed, 2 * nf);
                }
                failed[nf++] = c;
            }
            batchSum[c] = 0;
            batchCount[c] = 0;
        }
        return Arrays.copyOf(failed, nf);
    }
}
