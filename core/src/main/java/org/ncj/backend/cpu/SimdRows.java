package org.ncj.backend.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Row kernels written with the Vector API; loaded only when {@link Simd#ENABLED}. Each has a
 * scalar twin, used otherwise and compared with it in {@code SimdRowsTest}.
 *
 * <p>Lane-wise operations are IEEE operations lane by lane and the lanes are summed in a fixed
 * order at the end (not {@code reduceLanes}, whose order the API leaves open), so a result depends
 * on the vector length of the machine but never on the thread count, the JIT tier or the run.
 */
final class SimdRows {
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    /** As many floats as {@link #D} has doubles, so one float load widens to one double vector. */
    private static final VectorSpecies<Float> F = VectorSpecies.of(float.class, VectorShape.forBitSize(D.vectorBitSize() / 2));
    /** Floats in a full vector, for float32 work. */
    private static final VectorSpecies<Float> F32 = FloatVector.SPECIES_PREFERRED;

    private SimdRows() {
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
        a0.add(a1).intoArray(lanes, 0);
        double s = 0;
        for (int i = 0; i < l; i++) {
            s += lanes[i];
        }
        for (; j < d; j++) {
            double v = x[o + j] - means[mo + j];
            s += v * v;
        }
        return s;
    }

    /**
     * {@code Σ x[o + j]²} for the decision tolerances, which need it to a few percent: float32
     * squares summed in two float32 vector accumulators (an overflow gives ∞, which sends the row
     * to the direct evaluation), their lanes widened and summed in float64 (finite wherever the
     * scalar twin's eight partials are), then the tail. Scalar twin: {@code CpuDecisions.squaredSum32}.
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

    private static DoubleVector widen(float[] x, int i) {
        return (DoubleVector) FloatVector.fromArray(F, x, i).convertShape(VectorOperators.F2D, D, 0);
    }
}
