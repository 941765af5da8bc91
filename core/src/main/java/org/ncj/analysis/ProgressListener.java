package org.ncj.analysis;

/**
 * Progress of an {@link Analysis}: each pass over a data set is a phase started with its total
 * (rows or labels) and advanced batch by batch. The command line draws bars; a library caller may
 * log or ignore it ({@link #NONE}).
 */
@FunctionalInterface
public interface ProgressListener {
    /** Reports nothing. */
    ProgressListener NONE = (phase, total, unit) -> n -> {
    };

    /**
     * A phase begins.
     *
     * @param phase what is read ({@code "means"}, {@code "covariance"}, {@code "scan training"}, ...)
     * @param total items the phase reads
     * @param unit  what an item is ({@code "samples"}, {@code "labels"})
     */
    Phase start(String phase, long total, String unit);

    /** One running phase; closed when it ends (also when it fails). */
    @FunctionalInterface
    interface Phase extends AutoCloseable {
        /** {@code n} more items done. */
        void advance(long n);

        @Override
        default void close() {
        }
    }
}
