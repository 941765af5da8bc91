package org.ncj.accumulate;

/** How the global mean μ_G is formed from the selected class means. */
public enum GlobalMean {
    /** Plain mean of the selected class means (the Python package's default). */
    UNWEIGHTED,
    /** Sample-weighted: {@code Σ n_c μ_c / Σ n_c}, the mean of all selected samples. */
    WEIGHTED
}
