package org.ncj.io;

import java.io.IOException;

/**
 * A row-major matrix on disk, read in row ranges without loading it whole: one {@code .npy}
 * file, one safetensors tensor, or several of either concatenated along rows.
 *
 * <p>A 1-D array is a column vector: {@code rows() = shape[0]}, {@code cols() = 1}. Row indices
 * are {@code long} so that files past 2 GB and 2<sup>31</sup> rows are addressable; a single read
 * returns at most {@code Integer.MAX_VALUE - 8} elements.
 *
 * <p>Implementations are safe for concurrent reads; {@link #close()} must not race with them.
 */
public interface Tensor2D extends AutoCloseable {

    /** The file, {@code FILE:TENSOR}, or list of shards, for messages. */
    String name();

    /** Number of rows ({@code shape[0]}). */
    long rows();

    /** Number of columns: {@code shape[1]}, or 1 for a 1-D array. */
    int cols();

    /** Rank of the stored array: 1 or 2. */
    int rank();

    /** Element type on disk. For shards of different float widths, the widest. */
    StorageType dtype();

    /**
     * Reads rows {@code [r0, r1)} into {@code dst[off ...]} as float32, converting any float type
     * (float64 is rounded to nearest).
     *
     * @throws BadInputException        if the data is not of a floating-point type
     * @throws IndexOutOfBoundsException if the range or destination is invalid
     */
    void readFloats(long r0, long r1, float[] dst, int off) throws IOException;

    /** Reads rows {@code [r0, r1)} into {@code dst[off ...]} as float64 (exact for every float type). */
    void readDoubles(long r0, long r1, double[] dst, int off) throws IOException;

    /**
     * Reads rows {@code [r0, r1)} of an integer (or bool) array into {@code dst[off ...]}.
     *
     * @throws BadInputException if the data is not of an integer type, or a value does not fit
     *                           an {@code int}; the message names the file, row and value
     */
    void readInts(long r0, long r1, int[] dst, int off) throws IOException;

    /** Rows {@code [r0, r1)} as a new row-major float array. */
    default float[] readFloats(long r0, long r1) throws IOException {
        float[] a = new float[elementCount(r0, r1)];
        readFloats(r0, r1, a, 0);
        return a;
    }

    /** Rows {@code [r0, r1)} as a new row-major double array. */
    default double[] readDoubles(long r0, long r1) throws IOException {
        double[] a = new double[elementCount(r0, r1)];
        readDoubles(r0, r1, a, 0);
        return a;
    }

    /** Rows {@code [r0, r1)} as a new int array. */
    default int[] readInts(long r0, long r1) throws IOException {
        int[] a = new int[elementCount(r0, r1)];
        readInts(r0, r1, a, 0);
        return a;
    }

    /** Number of elements in rows {@code [r0, r1)}, checking the range. */
    default int elementCount(long r0, long r1) {
        if (r0 < 0 || r1 < r0 || r1 > rows()) {
            throw new IndexOutOfBoundsException("rows [" + r0 + ", " + r1 + ") out of [0, " + rows() + ") in " + name());
        }
        long n = (r1 - r0) * cols();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IndexOutOfBoundsException("rows [" + r0 + ", " + r1 + ") of " + name() + " hold " + n
                    + " elements, more than one array can: read fewer rows at a time");
        }
        return (int) n;
    }

    /** Releases the mapping. Reads after close fail. */
    @Override
    void close() throws IOException;
}
