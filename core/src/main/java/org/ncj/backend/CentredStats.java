package org.ncj.backend;

/** Running statistics of rows centred on fixed class means, owned by one accumulator. */
public interface CentredStats extends AutoCloseable {
    /** Adds a validated batch (every label has a mean). */
    void add(Batch batch);

    /**
     * Whether {@link #add} itself rejects a batch holding a non-finite value (an
     * {@link IllegalArgumentException} "non-finite value v at row r, column c") before anything
     * changes, so that the caller need not scan the batch first.
     */
    default boolean checksFinite() {
        return false;
    }

    /**
     * Starts again about new class means (K×D, the shape given at creation): every statistic back
     * to zero, buffers kept for reuse.
     */
    void reset(double[] means);

    /** Row-major D×D scatter {@code Σ (x − μ_y)(x − μ_y)ᵀ} (a copy), or null when not requested. */
    double[] scatter();

    /** Per-class sums of {@code ‖x − μ_y‖²} (a copy), or null when not requested. */
    double[] varNormSums();

    /** Per-class counts of the rows seen (a copy). */
    long[] counts();

    @Override
    void close();
}
