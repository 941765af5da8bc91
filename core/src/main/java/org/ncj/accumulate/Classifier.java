package org.ncj.accumulate;

import java.util.Objects;

/**
 * A linear classifier {@code ŷ = argmax_c w_c·x + b_c}: the last layer whose agreement with the
 * nearest class centre (NC4) and whose duality with the class means (NC3) are measured.
 *
 * @param weights row-major K×D
 * @param bias    K biases, or null (the Python package has none)
 */
public record Classifier(double[] weights, double[] bias, int k, int d) {

    public Classifier {
        Objects.requireNonNull(weights, "weights");
        if (weights.length != (long) k * d) {
            throw new IllegalArgumentException("weights hold " + weights.length + " values but K x D = " + k + " x " + d
                    + " needs " + ((long) k * d));
        }
        for (int i = 0; i < weights.length; i++) {
            if (!Double.isFinite(weights[i])) {
                throw new IllegalArgumentException("non-finite weight " + weights[i] + " at class " + (i / d) + ", column " + (i % d));
            }
        }
        if (bias != null) {
            if (bias.length != k) {
                throw new IllegalArgumentException("bias has " + bias.length + " values but K = " + k);
            }
            for (int c = 0; c < k; c++) {
                if (!Double.isFinite(bias[c])) {
                    throw new IllegalArgumentException("non-finite bias " + bias[c] + " at class " + c);
                }
            }
        }
    }

    /** From row-major float32 weights (as a model stores them). */
    public static Classifier of(float[] weights, int k, int d) {
        double[] w = new double[weights.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = weights[i];
        }
        return new Classifier(w, null, k, d);
    }

    /** From row-major float64 weights. */
    public static Classifier of(double[] weights, int k, int d) {
        return new Classifier(weights.clone(), null, k, d);
    }

    /** This classifier with a bias. */
    public Classifier withBias(double[] b) {
        return new Classifier(weights, b == null ? null : b.clone(), k, d);
    }

    /** This classifier with a float32 bias. */
    public Classifier withBias(float[] b) {
        double[] v = new double[b.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = b[i];
        }
        return new Classifier(weights, v, k, d);
    }

    /** Row-major (classes.length × D) weights of the given classes. */
    public double[] rows(int[] classes) {
        double[] out = new double[classes.length * d];
        for (int r = 0; r < classes.length; r++) {
            System.arraycopy(weights, classes[r] * d, out, r * d, d);
        }
        return out;
    }
}
