package org.ncj.accumulate;

import java.nio.FloatBuffer;

import org.ncj.DType;
import org.ncj.backend.Batch;

/**
 * Power-of-two rescaling for float32 second moments (issue 12, item 12). Squares of float32
 * values leave its range below about 2⁻⁶³ (underflow: a within-class spread of 10⁻³⁰ looked like
 * perfect collapse) and above 2⁶⁴ (overflow: NC1 came out infinite). Multiplying by 2ᵉ is exact,
 * so the rows and means are scaled by 2ᵉ before the float32 arithmetic and the float64 results
 * (scatter, variance sums) by 2⁻²ᵉ after it: the answer is the one of unscaled data.
 *
 * <p>e is chosen from the class means, which a second pass knows before its first batch and a
 * one-pass batch computes before it centres: the largest |μ_c − μ̄| over present classes and
 * columns (floored at 2⁻²⁴ of the largest |μ_c|, so nearly equal means do not blow the rows up)
 * is brought to about 1. Data whose spread is within 2^±16 are left alone (e = 0), so ordinary
 * data, the golden cases among them, are computed exactly as without it.
 */
final class Rescale {
    /** Exponents up to this magnitude are safe for float32 squares summed over D·n terms. */
    static final int SAFE = 16;

    private Rescale() {
    }

    /** The exponent for row-major K×D {@code means} of the classes with {@code counts[c] > 0}; 0 for float64. */
    static int exponent(double[] means, long[] counts, int k, int d, DType dtype) {
        if (dtype != DType.FLOAT32) {
            return 0;
        }
        double[] centre = new double[d];
        int present = 0;
        double maxAbs = 0;
        for (int c = 0; c < k; c++) {
            if (counts[c] > 0) {
                present++;
                for (int j = 0; j < d; j++) {
                    centre[j] += means[c * d + j];
                    maxAbs = Math.max(maxAbs, Math.abs(means[c * d + j]));
                }
            }
        }
        if (present == 0 || maxAbs == 0) {
            return 0;
        }
        double spread = 0;
        for (int c = 0; c < k; c++) {
            if (counts[c] > 0) {
                for (int j = 0; j < d; j++) {
                    spread = Math.max(spread, Math.abs(means[c * d + j] - centre[j] / present));
                }
            }
        }
        double magnitude = Math.max(spread, Math.scalb(maxAbs, -24));
        int exp = Math.getExponent(magnitude);
        return Math.abs(exp) <= SAFE ? 0 : -exp;
    }

    /** {@code v·2^e} (a copy; the same array when e = 0). */
    static double[] scaled(double[] v, int e) {
        if (e == 0) {
            return v;
        }
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Math.scalb(v[i], e);
        }
        return out;
    }

    /** In place {@code v·2^e}; null stays null. */
    static double[] unscale(double[] v, int e) {
        if (v != null && e != 0) {
            for (int i = 0; i < v.length; i++) {
                v[i] = Math.scalb(v[i], e);
            }
        }
        return v;
    }

    /** The batch with every value times 2^e (a copy; the batch itself when e = 0). */
    static Batch scaled(Batch b, int e) {
        if (e == 0 || b.n() == 0) {
            return b;
        }
        float[] x = new float[b.n() * b.d()];
        b.x().duplicate().get(x);
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.scalb(x[i], e);
        }
        return new Batch(FloatBuffer.wrap(x), b.labels(), b.n(), b.d());
    }
}
