package org.ncj.spark;

/**
 * Bad data found inside a Spark task (a null embedding, rows of different lengths, a label out of
 * range), naming the input column. Serializable like any task failure, so the driver finds it in
 * the job's cause chain and reports it as {@link org.ncj.io.BadInputException} (exit 2).
 */
final class SparkInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** {@code FILE:COLUMN}, or the name given to a Dataset. */
    private final String source;
    private final String problem;

    SparkInputException(String source, String problem) {
        super(source + ": " + problem);
        this.source = source;
        this.problem = problem;
    }

    String source() {
        return source;
    }

    String problem() {
        return problem;
    }

    /** The first SparkInputException in {@code t}'s cause chain, or null. */
    static SparkInputException find(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SparkInputException e) {
                return e;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return null;
    }
}
