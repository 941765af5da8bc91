package org.ncj.backend;

/** Running statistics of rows centred on fixed class means, owned by one accumulator. */
public interface CentredStats extends AutoCloseable {
    /** Adds a validated batch (every label has a mean). */
    void add(Batch batch);

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
