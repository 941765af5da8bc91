package org.ncj.accumulate;

/**
 * Pooled within-class covariance {@code Σ_W = (1/N) Σ_i (x_i − μ_{y_i})(x_i − μ_{y_i})ᵀ}.
 *
 * @param sigmaW row-major D×D
 * @param count  N, the samples it averages
 * @param means  the class means it was centred on
 */
public record Covariance(double[] sigmaW, long count, int d, Means means) {
    /** Entry (i, j). */
    public double get(int i, int j) {
        return sigmaW[i * d + j];
    }

    /** {@code Tr(Σ_W)}. */
    public double trace() {
        double t = 0;
        for (int i = 0; i < d; i++) {
            t += sigmaW[i * d + i];
        }
        return t;
    }
}
