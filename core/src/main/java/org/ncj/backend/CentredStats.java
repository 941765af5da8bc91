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

    /**
     * Adds {@link #scatter()} to a D×D row-major target, as {@code target[i] += scatter[i]}. A
     * backend overrides it to skip the copy: the one pass adds every batch's scatter this way,
     * and a fresh D×D array per batch (2 MB at D = 512, touched for the first time) cost it more
     * than the addition.
     *
     * @throws IllegalStateException when the scatter was not requested
     */
    default void addScatterTo(double[] target) {
        double[] s = scatter();
        if (s == null) {
            throw new IllegalStateException("scatter not requested");
        }
        for (int i = 0; i < s.length; i++) {
            target[i] += s[i];
        }
    }

    /** Per-class sums of {@code ‖x − μ_y‖²} (a copy), or null when not requested. */
    double[] varNormSums();

    /** Per-class counts of the rows seen (a copy). */
    long[] counts();

    @Override
    void close();
}
