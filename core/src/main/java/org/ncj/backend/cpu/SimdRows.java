package org.ncj.backend.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Row kernels written with the Vector API; loaded only when {@link Simd#ENABLED}. Each has a
 * scalar twin, used otherwise and compared with it in {@code SimdRowsTest}.
 *
 * <p>Lane-wise operations are IEEE operations lane by lane. Where the result is a statistic
 * ({@link #squaredDeviation}, {@link #squaredDeviationFixed}) the lanes are summed in a fixed order at the end (not
 * {@code reduceLanes}, whose order the API leaves open), so it depends on the vector length of the
 * machine but never on the thread count, the JIT tier or the run; {@link #centreRow32} fixes its
 * lanes at eight, its twin's partials, so it gives the twin's bits on every machine that runs it. The decisions' screen
 * ({@link #squaredSum}, {@link #scoresTall}) uses {@code reduceLanes}: its tolerances hold for any
 * order of the float32 sums, and the decisions it leaves are exact, so they do not depend on it.
 */
final class SimdRows {
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    /** As many floats as {@link #D} has doubles, so one float load widens to one double vector. */
    private static final VectorSpecies<Float> F = VectorSpecies.of(float.class, VectorShape.forBitSize(D.vectorBitSize() / 2));
    /** As many ints as {@link #D} has doubles, for the fixed-point means. */
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorShape.forBitSize(D.vectorBitSize() / 2));
    /** Floats in a full vector, for float32 work. */
    private static final VectorSpecies<Float> F32 = FloatVector.SPECIES_PREFERRED;
    /**
     * Floats per vector in the score tiles: at most 256 bits. On this project's AMD EPYC (Zen 4,
     * which splits 512-bit operations in two) 256-bit tiles ran at 97 GFLOP/s against 84 for
     * 512-bit ones (2 threads, K = 10, D = 512), and 512-bit loads from Java arrays, which are not
     * 64-byte aligned, straddle cache lines.
     */
    private static final VectorSpecies<Float> TILE = F32.vectorBitSize() > 256 ? FloatVector.SPECIES_256 : F32;

    /** Eight float lanes, the partials of {@link ScalarRows#squaredSum32}, where the machine has them. */
    private static final VectorSpecies<Float> EIGHT = FloatVector.SPECIES_256;

    private SimdRows() {
    }

    /**
     * Whether this machine's vectors hold eight floats (256 bits or more): the kernels written for
     * eight float lanes, {@link #centreRow32} and {@link SimdSyrk}, run only then (else their twins).
     */
    static boolean eightFloatLanes() {
        return F32.vectorBitSize() >= EIGHT.vectorBitSize();
    }

    /**
     * Writes {@code xc = (x − m) − lo} for one float32 row (the mean in two parts) and returns
     * {@code Σ xc²} bit for bit as the scalar twin, {@code CpuCentredStats.centreRow}, does: lane k
     * of the accumulator is {@link ScalarRows#squaredSum32}'s partial s_k (a rounded product, then
     * a rounded sum, no fused multiply-add), the tail goes to s_0, and the partials are added in
     * the same order. One loop where the twin takes two (the subtraction, then the sum over the
     * row from L1, which C2 does not vectorise).
     *
     * @param lanes scratch of at least 8 floats
     */
    static float centreRow32(float[] x, int o, float[] m, float[] lo, int mo, float[] xc, int d, float[] lanes) {
        FloatVector acc = FloatVector.zero(EIGHT);
        int j = 0;
        for (; j + 7 < d; j += 8) {
            FloatVector v = FloatVector.fromArray(EIGHT, x, o + j).sub(FloatVector.fromArray(EIGHT, m, mo + j))
                    .sub(FloatVector.fromArray(EIGHT, lo, mo + j));
            v.intoArray(xc, o + j);
            acc = acc.add(v.mul(v));
        }
        acc.intoArray(lanes, 0);
        for (; j < d; j++) {
            float v = (x[o + j] - m[mo + j]) - lo[mo + j];
            xc[o + j] = v;
            lanes[0] += v * v;
        }
        return (float) ((((double) lanes[0] + lanes[1]) + ((double) lanes[2] + lanes[3]))
                + (((double) lanes[4] + lanes[5]) + ((double) lanes[6] + lanes[7])));
    }

    /** Doubles per vector on this machine. */
    static int lanes() {
        return D.length();
    }

    /**
     * {@code ‖x[o, o + d) − means[mo, mo + d)‖²} in float64: each float widened (exactly), the mean
     * subtracted (rounded once) and squared, summed in two vector accumulators (to hide the add
     * latency) whose lanes are added in index order, then the tail of fewer than two vectors in
     * order. Scalar twin: {@code CpuCentredStats.squaredDeviation}.
     *
     * @param lanes scratch of at least {@link #lanes()} doubles
     */
    static double squaredDeviation(float[] x, int o, double[] means, int mo, int d, double[] lanes) {
        int l = D.length();
        DoubleVector a0 = DoubleVector.zero(D);
        DoubleVector a1 = DoubleVector.zero(D);
        int j = 0;
        for (; j + 2 * l <= d; j += 2 * l) {
            DoubleVector v0 = widen(x, o + j).sub(DoubleVector.fromArray(D, means, mo + j));
            DoubleVector v1 = widen(x, o + j + l).sub(DoubleVector.fromArray(D, means, mo + j + l));
            a0 = a0.add(v0.mul(v0));
            a1 = a1.add(v1.mul(v1));
        }
        double s = laneSum(a0.add(a1), lanes);
        for (; j < d; j++) {
            double v = x[o + j] - means[mo + j];
            s += v * v;
        }
        return s;
    }

    /**
     * {@code ‖x[o, o + d) − μ'‖²} in float64 for the fixed-point mean {@code μ'_j = m[mo + j] · u}
     * ({@link FixedPointMeans}; u a power of two, so each product is exact): the same arithmetic
     * and order as {@link #squaredDeviation} on μ' (each deviation rounded once, two vector
     * accumulators, lanes then the tail in index order), with an int table of half the bytes.
     * Twin: {@link #squaredDeviation} on the means {@code m · u}, which it equals to float64 rounding.
     *
     * @param lanes scratch of at least {@link #lanes()} doubles
     */
    static double squaredDeviationFixed(float[] x, int o, int[] m, int mo, double u, int d, double[] lanes) {
        int l = D.length();
        DoubleVector a0 = DoubleVector.zero(D);
        DoubleVector a1 = DoubleVector.zero(D);
        int j = 0;
        for (; j + 2 * l <= d; j += 2 * l) {
            DoubleVector v0 = widen(x, o + j).sub(widen(m, mo + j).mul(u));
            DoubleVector v1 = widen(x, o + j + l).sub(widen(m, mo + j + l).mul(u));
            a0 = a0.add(v0.mul(v0));
            a1 = a1.add(v1.mul(v1));
        }
        double s = laneSum(a0.add(a1), lanes);
        for (; j < d; j++) {
            double v = x[o + j] - m[mo + j] * u;
            s += v * v;
        }
        return s;
    }

    /**
     * {@code Σ x[o + j]²} for the decision tolerances, which need it to a few percent: float32
     * squares summed in two float32 vector accumulators (an overflow gives ∞, which sends the row
     * to the direct evaluation), their lanes widened and summed in float64 (finite wherever the
     * scalar twin's eight partials are), then the tail. Scalar twin: {@link ScalarRows#squaredSum32}.
     */
    static double squaredSum(float[] x, int o, int d) {
        int l = F32.length();
        FloatVector a0 = FloatVector.zero(F32);
        FloatVector a1 = FloatVector.zero(F32);
        int j = 0;
        for (; j + 2 * l <= d; j += 2 * l) {
            FloatVector v0 = FloatVector.fromArray(F32, x, o + j);
            FloatVector v1 = FloatVector.fromArray(F32, x, o + j + l);
            a0 = a0.add(v0.mul(v0));
            a1 = a1.add(v1.mul(v1));
        }
        FloatVector a = a0.add(a1);
        DoubleVector lo = (DoubleVector) a.convertShape(VectorOperators.F2D, D, 0);
        DoubleVector hi = (DoubleVector) a.convertShape(VectorOperators.F2D, D, 1);
        double s = lo.add(hi).reduceLanes(VectorOperators.ADD);
        for (; j < d; j++) {
            s += x[o + j] * x[o + j];
        }
        return s;
    }

    /**
     * A tall score block for the decisions' screen: {@code g[q·nr + r] = fl32(x_r · v_q)} for the
     * nr rows {@code x[xo + r·d ..]} and the m packed candidates {@code v[vo + q·d ..]} (the layout
     * {@code sgemm("T", "N", nr, m, d, …)} writes, which it replaces for few candidates). Each dot
     * product is a float32 sum in some order (fused multiply-adds in vector lanes, the lanes
     * added, then the tail), within the bound the screen's tolerance assumes of any float32 GEMM.
     * Tiles of 4 rows × 4 candidates: 16 accumulators and 8 loads per 16 multiply-adds, the rows
     * re-read from L1 for each group of candidates. The decisions taken from it are exact
     * whatever order its lanes are added in.
     * Twin: the BLAS {@code sgemm}, which this replaces because two Java tasks calling the
     * threaded OpenBLAS at once contend for its threads (0.3.21 has no per-call thread count):
     * on 65,536 rows, K = 10, D = 512, 14 ms (97 GFLOP/s) against 24–31 ms, and 16–18 ms for
     * {@code sgemm} with {@code OPENBLAS_NUM_THREADS=1}; FP32 peak here is 228 GFLOP/s.
     */
    static void scoresTall(float[] x, int xo, int nr, int d, float[] v, int vo, int m, float[] g) {
        int r = 0;
        for (; r + 3 < nr; r += 4) {
            int q = 0;
            for (; q + 3 < m; q += 4) {
                tile4x4(x, xo + r * d, d, v, vo + q * d, g, q * nr + r, nr);
            }
            for (; q < m; q++) {
                for (int i = 0; i < 4; i++) {
                    g[q * nr + r + i] = dot(x, xo + (r + i) * d, v, vo + q * d, d);
                }
            }
        }
        for (; r < nr; r++) {
            for (int q = 0; q < m; q++) {
                g[q * nr + r] = dot(x, xo + r * d, v, vo + q * d, d);
            }
        }
    }

    /** Rows o, o + d, o + 2d, o + 3d against candidates vo … vo + 3d into g[go + q·nr + i]. */
    private static void tile4x4(float[] x, int o, int d, float[] v, int vo, float[] g, int go, int nr) {
        int l = TILE.length();
        int o1 = o + d;
        int o2 = o1 + d;
        int o3 = o2 + d;
        int v1 = vo + d;
        int v2 = v1 + d;
        int v3 = v2 + d;
        FloatVector a00 = FloatVector.zero(TILE);
        FloatVector a01 = a00;
        FloatVector a02 = a00;
        FloatVector a03 = a00;
        FloatVector a10 = a00;
        FloatVector a11 = a00;
        FloatVector a12 = a00;
        FloatVector a13 = a00;
        FloatVector a20 = a00;
        FloatVector a21 = a00;
        FloatVector a22 = a00;
        FloatVector a23 = a00;
        FloatVector a30 = a00;
        FloatVector a31 = a00;
        FloatVector a32 = a00;
        FloatVector a33 = a00;
        int j = 0;
        for (; j + l <= d; j += l) {
            FloatVector x0 = FloatVector.fromArray(TILE, x, o + j);
            FloatVector x1 = FloatVector.fromArray(TILE, x, o1 + j);
            FloatVector x2 = FloatVector.fromArray(TILE, x, o2 + j);
            FloatVector x3 = FloatVector.fromArray(TILE, x, o3 + j);
            FloatVector w = FloatVector.fromArray(TILE, v, vo + j);
            a00 = x0.fma(w, a00);
            a10 = x1.fma(w, a10);
            a20 = x2.fma(w, a20);
            a30 = x3.fma(w, a30);
            w = FloatVector.fromArray(TILE, v, v1 + j);
            a01 = x0.fma(w, a01);
            a11 = x1.fma(w, a11);
            a21 = x2.fma(w, a21);
            a31 = x3.fma(w, a31);
            w = FloatVector.fromArray(TILE, v, v2 + j);
            a02 = x0.fma(w, a02);
            a12 = x1.fma(w, a12);
            a22 = x2.fma(w, a22);
            a32 = x3.fma(w, a32);
            w = FloatVector.fromArray(TILE, v, v3 + j);
            a03 = x0.fma(w, a03);
            a13 = x1.fma(w, a13);
            a23 = x2.fma(w, a23);
            a33 = x3.fma(w, a33);
        }
        g[go] = finish(a00, x, o, v, vo, j, d);
        g[go + nr] = finish(a01, x, o, v, v1, j, d);
        g[go + 2 * nr] = finish(a02, x, o, v, v2, j, d);
        g[go + 3 * nr] = finish(a03, x, o, v, v3, j, d);
        g[go + 1] = finish(a10, x, o1, v, vo, j, d);
        g[go + 1 + nr] = finish(a11, x, o1, v, v1, j, d);
        g[go + 1 + 2 * nr] = finish(a12, x, o1, v, v2, j, d);
        g[go + 1 + 3 * nr] = finish(a13, x, o1, v, v3, j, d);
        g[go + 2] = finish(a20, x, o2, v, vo, j, d);
        g[go + 2 + nr] = finish(a21, x, o2, v, v1, j, d);
        g[go + 2 + 2 * nr] = finish(a22, x, o2, v, v2, j, d);
        g[go + 2 + 3 * nr] = finish(a23, x, o2, v, v3, j, d);
        g[go + 3] = finish(a30, x, o3, v, vo, j, d);
        g[go + 3 + nr] = finish(a31, x, o3, v, v1, j, d);
        g[go + 3 + 2 * nr] = finish(a32, x, o3, v, v2, j, d);
        g[go + 3 + 3 * nr] = finish(a33, x, o3, v, v3, j, d);
    }

    /** One dot product, as {@link #tile4x4} forms each of its sixteen. */
    private static float dot(float[] x, int o, float[] v, int vo, int d) {
        int l = TILE.length();
        FloatVector a = FloatVector.zero(TILE);
        int j = 0;
        for (; j + l <= d; j += l) {
            a = FloatVector.fromArray(TILE, x, o + j).fma(FloatVector.fromArray(TILE, v, vo + j), a);
        }
        return finish(a, x, o, v, vo, j, d);
    }

    /** The lanes of a dot product's accumulator added, then the products of columns [j, d) in order. */
    private static float finish(FloatVector a, float[] x, int o, float[] v, int vo, int j, int d) {
        float s = a.reduceLanes(VectorOperators.ADD);
        for (; j < d; j++) {
            s = Math.fma(x[o + j], v[vo + j], s);
        }
        return s;
    }

    /** The lanes of a, added in index order (not {@code reduceLanes}, whose order is open). */
    private static double laneSum(DoubleVector a, double[] lanes) {
        a.intoArray(lanes, 0);
        double s = 0;
        for (int i = 0; i < D.length(); i++) {
            s += lanes[i];
        }
        return s;
    }

    private static DoubleVector widen(float[] x, int i) {
        return (DoubleVector) FloatVector.fromArray(F, x, i).convertShape(VectorOperators.F2D, D, 0);
    }

    private static DoubleVector widen(int[] m, int i) {
        return (DoubleVector) IntVector.fromArray(I, m, i).convertShape(VectorOperators.I2D, D, 0);
    }
}
