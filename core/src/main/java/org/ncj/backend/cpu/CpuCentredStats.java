package org.ncj.backend.cpu;

import org.ncj.DType;
import org.ncj.backend.Batch;
import org.ncj.backend.CentredStats;

/**
 * Second-pass statistics. With the scatter matrix: each batch is centred on its rows' class means
 * once (in the working type), the squared norms of the centred rows go to their classes' variance
 * sums, and the centred batch feeds a blocked SYRK into the float64 scatter matrix (for float32
 * rows up to {@link SimdSyrk#MAX_D} wide, {@link SimdSyrk} where the Vector API is available).
 * Variance norms alone: each row's squared deviation is summed in float64 with no centred batch
 * written, by {@link SimdRows#squaredDeviation} where the Vector API is available ({@link Simd})
 * and by its scalar twin {@link #squaredDeviation} otherwise; for float32 with the Vector API, where
 * it pays ({@link FixedPointMeans#pays}), from {@link FixedPointMeans} (half the bytes of the means;
 * within 2^-24 of the float64 sums, proved per batch and class, else recomputed from the float64
 * means).
 */
final class CpuCentredStats implements CentredStats {
    private static final int ROW_BLOCK = 256;

    private final int k;
    private final int d;
    private final DType dtype;
    private final double[] means;
    /** The means rounded to float, for the float32 centring (else null). */
    private final float[] meansF;
    /** {@code means − meansF} rounded to float: (x − hi) − lo is x − μ rounded once (issue 12, item 11). */
    private final float[] meansLo;
    /** The means in fixed point, for the float32 variance norms alone through the Vector API where it pays (else null). */
    private final FixedPointMeans fixed;
    private final double[] scatter;
    private final double[] varSums;
    private final long[] counts;
    private final boolean allowNative;
    /** Variance norms, float32 centring and SYRK through the Vector API kernels (else their scalar twins). */
    private final boolean simd;
    /** The centred batch (in the working type) and its row norms, kept for the next batch of the same or smaller size. */
    private float[] xcF;
    private double[] xcD;
    private double[] norms;

    CpuCentredStats(double[] means, int k, int d, DType dtype, boolean wantScatter, boolean wantVarNorms, boolean allowNative) {
        this(means, k, d, dtype, wantScatter, wantVarNorms, allowNative, Simd.ENABLED);
    }

    /** With the Vector API kernels chosen explicitly, so tests run both twins in one JVM. */
    CpuCentredStats(double[] means, int k, int d, DType dtype, boolean wantScatter, boolean wantVarNorms, boolean allowNative, boolean simd) {
        this.allowNative = allowNative;
        this.simd = simd;
        this.k = k;
        this.d = d;
        this.dtype = dtype;
        this.means = new double[means.length];
        boolean f32 = dtype == DType.FLOAT32;
        this.meansF = f32 && wantScatter ? new float[means.length] : null;
        this.meansLo = f32 && wantScatter ? new float[means.length] : null;
        this.fixed = f32 && simd && !wantScatter && wantVarNorms && FixedPointMeans.pays(k, d) ? new FixedPointMeans(k, d) : null;
        setMeans(means);
        this.scatter = wantScatter ? new double[Math.multiplyExact(d, d)] : null;
        this.varSums = wantVarNorms ? new double[k] : null;
        this.counts = new long[k];
    }

    private void setMeans(double[] m) {
        if (m.length != means.length) {
            throw new IllegalArgumentException("means of length " + m.length + ", expected K·D = " + means.length);
        }
        System.arraycopy(m, 0, means, 0, m.length);
        if (meansF != null) {
            for (int i = 0; i < m.length; i++) {
                meansF[i] = (float) m[i];
                meansLo[i] = (float) (m[i] - meansF[i]);
            }
        }
        if (fixed != null) {
            fixed.set(m);
        }
    }

    @Override
    public void reset(double[] m) {
        setMeans(m);
        if (scatter != null) {
            java.util.Arrays.fill(scatter, 0.0);
        }
        if (varSums != null) {
            java.util.Arrays.fill(varSums, 0.0);
        }
        java.util.Arrays.fill(counts, 0L);
    }

    @Override
    public void add(Batch batch) {
        int n = batch.n();
        if (n == 0) {
            return;
        }
        float[] x = batch.array();
        int[] y = batch.labelArray();
        if (norms == null || norms.length < n) {
            norms = new double[n];
        }
        // Without the scatter matrix nothing is written but the norms; with it, centring is the
        // one step that differs by type (float32 subtracts the mean in two parts and sums the
        // norm in eight partials; float64 needs neither). What follows is shared.
        if (scatter == null) {
            deviationNorms(x, y, n);
        } else if (dtype == DType.FLOAT32) {
            centreF32(x, y, n);
        } else {
            centreF64(x, y, n);
        }
        for (int r = 0; r < n; r++) {
            if (!Double.isFinite(norms[r])) {
                checkRow(x, r);
            }
        }
        if (fixed != null) {
            settleFixed(x, y, n);
        }
        if (varSums != null) {
            for (int r = 0; r < n; r++) {
                varSums[y[r]] += norms[r];
            }
        }
        if (scatter != null && dtype == DType.FLOAT32) {
            CpuSyrk.upper(xcF, n, d, scatter, allowNative, simd);
        } else if (scatter != null) {
            CpuSyrk.upper(xcD, n, d, scatter, allowNative);
        }
        for (int r = 0; r < n; r++) {
            counts[y[r]]++;
        }
    }

    /** Variance norms alone: the squared deviations into {@link #norms}, one read of the batch. */
    private void deviationNorms(float[] x, int[] y, int n) {
        double[] out = norms;
        FixedPointMeans f = fixed;
        CpuBackend.parallelFor((n + ROW_BLOCK - 1) / ROW_BLOCK, b -> {
            int r1 = Math.min(n, (b + 1) * ROW_BLOCK);
            if (simd) {
                double[] lanes = new double[SimdRows.lanes()];
                for (int r = b * ROW_BLOCK; r < r1; r++) {
                    int c = y[r];
                    out[r] = f != null && f.fast(c)
                            ? SimdRows.squaredDeviationFixed(x, r * d, f.table(), c * d, f.unit(c), d, lanes)
                            : SimdRows.squaredDeviation(x, r * d, means, c * d, d, lanes);
                }
                return;
            }
            double[] mu = new double[d];
            double[] sq = new double[d];
            int last = -1;
            for (int r = b * ROW_BLOCK; r < r1; r++) {
                if (y[r] != last) {
                    last = y[r];
                    System.arraycopy(means, last * d, mu, 0, d);
                }
                out[r] = squaredDeviation(x, r * d, mu, sq, d);
            }
        });
    }

    /**
     * The fixed-point bound for the batch's classes ({@link FixedPointMeans#settle}); the rows of a
     * class that fails it are recomputed from the float64 means, before any sum changes.
     */
    private void settleFixed(float[] x, int[] y, int n) {
        int[] failed = fixed.settle(y, n, norms);
        if (failed.length == 0) {
            return;
        }
        boolean[] redo = new boolean[k];
        for (int c : failed) {
            redo[c] = true;
        }
        double[] out = norms;
        CpuBackend.parallelFor((n + ROW_BLOCK - 1) / ROW_BLOCK, b -> {
            int r1 = Math.min(n, (b + 1) * ROW_BLOCK);
            double[] lanes = new double[SimdRows.lanes()];
            for (int r = b * ROW_BLOCK; r < r1; r++) {
                if (redo[y[r]]) {
                    out[r] = SimdRows.squaredDeviation(x, r * d, means, y[r] * d, d, lanes);
                }
            }
        });
    }

    /**
     * ‖x_r − μ‖² in float64 (a float is exact in float64, so each deviation is rounded once). The
     * squares go to a scratch row first, a loop C2 vectorises because mu and sq are read and
     * written at the same index (a mean read at the class's own offset might alias sq, and the
     * loop stayed scalar: 0.44 against 0.30 ns per element in a cache-resident probe); then eight
     * fixed partial sums, so the order, and the result, never depend on the thread count. A
     * profile puts 40% of its samples in that scalar sum, which C2 does not vectorise (it keeps
     * float64 reductions in order); the Vector API twin {@link SimdRows#squaredDeviation} runs at
     * 1.2–1.3 times a streaming read against 2.5–3.5 for this one (bench/RESULTS.md).
     */
    static double squaredDeviation(float[] x, int o, double[] mu, double[] sq, int d) {
        for (int j = 0; j < d; j++) {
            double v = x[o + j] - mu[j];
            sq[j] = v * v;
        }
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        double s4 = 0;
        double s5 = 0;
        double s6 = 0;
        double s7 = 0;
        int j = 0;
        for (; j + 7 < d; j += 8) {
            s0 += sq[j];
            s1 += sq[j + 1];
            s2 += sq[j + 2];
            s3 += sq[j + 3];
            s4 += sq[j + 4];
            s5 += sq[j + 5];
            s6 += sq[j + 6];
            s7 += sq[j + 7];
        }
        for (; j < d; j++) {
            s0 += sq[j];
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    /** Norms of the centred rows into {@link #norms} (each rounded to float), the rows into xcF for the SYRK. */
    private void centreF32(float[] x, int[] y, int n) {
        if (xcF == null || xcF.length < n * d) {
            xcF = new float[n * d];
        }
        float[] xc = xcF;
        double[] out = norms;
        boolean vectors = simd && SimdRows.eightFloatLanes();
        CpuBackend.parallelFor((n + ROW_BLOCK - 1) / ROW_BLOCK, b -> {
            int r1 = Math.min(n, (b + 1) * ROW_BLOCK);
            if (vectors) {
                float[] lanes = new float[8];
                for (int r = b * ROW_BLOCK; r < r1; r++) {
                    out[r] = SimdRows.centreRow32(x, r * d, meansF, meansLo, y[r] * d, xc, d, lanes);
                }
                return;
            }
            for (int r = b * ROW_BLOCK; r < r1; r++) {
                out[r] = centreRow(x, r * d, meansF, meansLo, y[r] * d, xc, d);
            }
        });
    }

    /** Norms of the centred rows into {@link #norms}, the rows into xcD. */
    private void centreF64(float[] x, int[] y, int n) {
        if (xcD == null || xcD.length < n * d) {
            xcD = new double[n * d];
        }
        double[] xc = xcD;
        double[] out = norms;
        CpuBackend.parallelFor((n + ROW_BLOCK - 1) / ROW_BLOCK, b -> {
            int r1 = Math.min(n, (b + 1) * ROW_BLOCK);
            for (int r = b * ROW_BLOCK; r < r1; r++) {
                int mo = y[r] * d;
                int o = r * d;
                double s = 0;
                for (int j = 0; j < d; j++) {
                    double v = x[o + j] - means[mo + j];
                    xc[o + j] = v;
                    s += v * v;
                }
                out[r] = s;
            }
        });
    }

    /**
     * Writes {@code x_r − μ} into xc and returns its squared norm, summed in eight interleaved
     * float partials ({@link ScalarRows#squaredSum32}). Two loops: the subtraction, which the JIT
     * vectorises, then the sum over the row just written (in L1), a reduction it does not; one loop
     * doing both ran at 5.0–7.5 ms against 4.1–4.8 for the two (65,536 rows of D = 128, 2 threads).
     * A single running sum would be a serial chain of dependent adds; the order is fixed, so
     * results stay repeatable. The scalar twin of {@link SimdRows#centreRow32}, which gives the
     * same bits in one vector loop: 2.2 against 3.6–5.0 ms on the rows above, 3.0–3.9 against
     * 6.3–10.0 ms on 16,384 rows of D = 512 (probe CentreProbe, bench/RESULTS.md).
     */
    static float centreRow(float[] x, int o, float[] m, float[] lo, int mo, float[] xc, int d) {
        for (int j = 0; j < d; j++) {
            xc[o + j] = (x[o + j] - m[mo + j]) - lo[mo + j];
        }
        return (float) ScalarRows.squaredSum32(xc, o, d);
    }

    /**
     * The finite check fused into the centring pass: a row holding NaN or ±∞ has a non-finite
     * norm, and only such a row is scanned, before any statistic changes. (A finite row whose
     * norm overflows passes, as a separate scan would let it.)
     */
    @Override
    public boolean checksFinite() {
        return true;
    }

    private void checkRow(float[] x, int r) {
        for (int j = 0; j < d; j++) {
            float v = x[r * d + j];
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("non-finite value " + v + " at row " + r + ", column " + j);
            }
        }
    }

    @Override
    public double[] scatter() {
        if (scatter == null) {
            return null;
        }
        double[] c = scatter.clone();
        CpuSyrk.mirrorUpper(c, d);
        return c;
    }

    /** The upper triangle added to both triangles of the target, tile by tile (no copy, no mirror pass). */
    @Override
    public void addScatterTo(double[] target) {
        if (scatter == null) {
            throw new IllegalStateException("scatter not requested");
        }
        CpuSyrk.addUpperSymmetric(scatter, d, target);
    }

    /** Whether class c's variance norms are taken from the fixed-point means (for the tests). */
    boolean inFixedPoint(int c) {
        return fixed != null && fixed.fast(c);
    }

    @Override
    public double[] varNormSums() {
        return varSums == null ? null : varSums.clone();
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
