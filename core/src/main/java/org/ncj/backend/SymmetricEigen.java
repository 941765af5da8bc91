package org.ncj.backend;

/**
 * Eigen-decomposition {@code A = V diag(λ) Vᵀ} of a symmetric n×n matrix.
 *
 * @param values  eigenvalues in ascending order
 * @param vectors n×n; eigenvector {@code k} is contiguous: component {@code i} is {@code vectors[k*n + i]}
 * @param n       the order of the matrix
 */
public record SymmetricEigen(double[] values, double[] vectors, int n) {

    /** Component {@code i} of the eigenvector of {@code values[k]}. */
    public double vector(int k, int i) {
        return vectors[k * n + i];
    }
}
