package org.ncj.spark;

import java.io.Serializable;

/**
 * What one partition (or one merge of partitions) sends on: its rows, the embedding dimension it
 * saw, and accumulator states as bytes ({@code toBytes()}, the format of the saved files). An
 * empty partition has {@code rows == 0}, {@code d == 0} and no states.
 *
 * @param states one per accumulator of the pass (each pass has one)
 */
record PartState(long rows, int d, byte[][] states) implements Serializable {
    static final PartState EMPTY = new PartState(0, 0, new byte[0][]);

    boolean empty() {
        return rows == 0;
    }

    /** Serialized size of the states, for the memory checks. */
    long bytes() {
        long b = 0;
        for (byte[] s : states) {
            b += s.length;
        }
        return b;
    }
}
