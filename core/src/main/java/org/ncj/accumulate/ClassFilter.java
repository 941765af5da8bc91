package org.ncj.accumulate;

/**
 * Which classes enter the measures, by sample count (the Python package's
 * {@code filter_indices_by_n_samples}). Classes with no samples never enter.
 *
 * @param minCount smallest count a selected class may have (values below 1 mean 1)
 * @param maxCount largest count a selected class may have
 */
public record ClassFilter(long minCount, long maxCount) {

    /** Every class with at least one sample. */
    public static final ClassFilter PRESENT = new ClassFilter(1, Long.MAX_VALUE);

    public ClassFilter {
        if (maxCount < minCount) {
            throw new IllegalArgumentException("class filter max count " + maxCount + " < min count " + minCount);
        }
    }

    /** Classes with at least {@code n} samples. */
    public static ClassFilter minCount(long n) {
        return new ClassFilter(n, Long.MAX_VALUE);
    }

    /** This filter with an upper bound on the count. */
    public ClassFilter withMaxCount(long n) {
        return new ClassFilter(minCount, n);
    }

    boolean accepts(long count) {
        return count >= Math.max(1, minCount) && count <= maxCount;
    }
}
