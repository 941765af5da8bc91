package org.ncj.spark;

import org.ncj.io.BadInputException;

/**
 * The size of the state a partition sends on, and the {@code treeReduce} depth that keeps the
 * results the driver collects under {@code spark.driver.maxResultSize}.
 *
 * <p>A state is the accumulator's saved form ({@code toBytes()}): a header of
 * {@code 32 + len(kind)} bytes, per array {@code 16 + len(name) + 8·n} bytes, and a 4-byte
 * CRC32C trailer (format 2). In float64 words
 * (the dtype changes the arithmetic, not the state):
 * <pre>
 * means pass          MeanAccumulator        K·D + K
 * one pass            ClassStatistics        K·D + D² + 2K
 * second pass         WithinClassAccumulator D² + K·D + 3K     (carries the means it centred on)
 * decisions           DecAccumulator         2·K·D + 3K (+K with a bias)
 * </pre>
 * At D = 4096 Σ_W alone is 4096² · 8 B = 128 MiB; at K = 50,257, D = 4096 the means are 1.5 GiB.
 */
public final class StateSize {
    /** A state is one Java byte array. */
    static final long MAX_STATE = Integer.MAX_VALUE - 64;

    private StateSize() {
    }

    private static long array(String name, long n) {
        return 16 + name.length() + 8 * n;
    }

    /** Header and the CRC32C trailer of format 2. */
    private static long header(String kind) {
        return 32 + kind.length() + 4;
    }

    /** Bytes of the state of a pass, classifier without bias. */
    static long bytes(Pass.Kind kind, int k, int d) {
        long kd = (long) k * d;
        long dd = (long) d * d;
        return switch (kind) {
            case MEANS -> header("MeanAccumulator") + array("sums", kd) + array("counts", k);
            case ONE_PASS -> header("ClassStatistics") + array("counts", k) + array("means", kd) + array("scatter", dd)
                    + array("var_sums", k);
            case SECOND -> header("WithinClassAccumulator") + array("scatter", dd) + array("var_sums", k)
                    + array("counts", k) + array("means", kd) + array("mean_counts", k);
            case DECISIONS -> header("DecAccumulator") + array("hits", k) + array("counts", k) + array("means", kd)
                    + array("mean_counts", k) + array("weights", kd);
        };
    }

    /**
     * Refuses a pass whose state cannot be one byte array (2 GiB), before any task runs.
     *
     * @param d the dimension, or 0 when not known yet (then only the K-dependent part is checked)
     */
    static void check(Pass.Kind kind, int k, int d, String source) throws BadInputException {
        long largest = bytes(kind, k, Math.max(d, 1));
        if (largest > MAX_STATE) {
            throw new BadInputException(source, "the state of K = " + k + (d > 0 ? ", D = " + d : "") + " is " + largest
                    + " bytes, over the 2 GiB a partition's state can be (a Java byte array)");
        }
    }

    /**
     * The smallest {@code treeReduce} depth (at least 2, Spark's default) whose last level sends
     * at most {@code maxResultSize} bytes to the driver, simulating Spark's {@code treeAggregate}:
     * {@code scale = max(ceil(P^(1/depth)), 2)}; while {@code P > scale + ceil(P/scale)}, {@code P /= scale};
     * the driver then receives P states.
     *
     * @param maxResultSize {@code spark.driver.maxResultSize} in bytes (0: unlimited)
     * @throws IllegalStateException when even pairwise merging (depth log₂ P) sends more
     */
    public static int depth(int partitions, long stateBytes, long maxResultSize) {
        if (maxResultSize <= 0) {
            return 2;
        }
        int maxDepth = Math.max(2, 64 - Long.numberOfLeadingZeros(Math.max(1, partitions)));
        for (int depth = 2; depth <= maxDepth; depth++) {
            if (toDriver(partitions, depth) * stateBytes <= maxResultSize) {
                return depth;
            }
        }
        throw new IllegalStateException("each partition's state is " + stateBytes + " bytes and the driver collects at least "
                + toDriver(partitions, maxDepth) + " of them, over spark.driver.maxResultSize = " + maxResultSize
                + " bytes: raise spark.driver.maxResultSize");
    }

    /** How many states Spark's treeAggregate sends to the driver for P partitions at this depth. */
    public static long toDriver(int partitions, int depth) {
        int p = partitions;
        int scale = Math.max((int) Math.ceil(Math.pow(p, 1.0 / depth)), 2);
        while (p > scale + (int) Math.ceil((double) p / scale)) {
            p /= scale;
        }
        return p;
    }
}
