package org.ncj.backend;

/** Running per-class sums and counts, owned by one accumulator. */
public interface ClassSums extends AutoCloseable {
    /** Adds a validated batch. */
    void add(Batch batch);

    /**
     * Whether {@link #add} itself rejects a batch holding a non-finite value (an
     * {@link IllegalArgumentException} "non-finite value v at row r, column c") before anything
     * changes, so that the caller need not scan the batch first.
     */
    default boolean checksFinite() {
        return false;
    }

    /** Forgets every row added: sums and counts back to zero, buffers kept for reuse. */
    void reset();

    /** Adds another partial result of the same shape. */
    void addTotals(double[] sums, long[] counts);

    /** Row-major K×D sums, combined in float64 (a copy). */
    double[] sums();

    /** Per-class counts (a copy). */
    long[] counts();

    @Override
    void close();
}
