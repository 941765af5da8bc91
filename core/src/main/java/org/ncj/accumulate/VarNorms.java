package org.ncj.accumulate;

/**
 * Per-class variance norms {@code v_c = (1/n_c) Σ_{y_i=c} ‖x_i − μ_c‖²} (for CDNV).
 *
 * @param values per class, NaN where the class had no samples in this pass
 * @param counts per-class samples seen in this pass
 * @param means  the class means the rows were centred on
 */
public record VarNorms(double[] values, long[] counts, Means means) {
}
