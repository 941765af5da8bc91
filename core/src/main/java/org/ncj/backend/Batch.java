package org.ncj.backend;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;

/**
 * One batch of {@code n} embeddings of dimension {@code d} (row-major) with their labels.
 *
 * <p>A batch is a view: it never copies the caller's data. Heap arrays, heap buffers and
 * direct buffers are all accepted; the CPU backend reads arrays in place and copies direct
 * buffers once per batch, the CUDA backend stages either through pinned memory.
 *
 * @param x      the embeddings, {@code n * d} floats starting at {@code x.position()}
 * @param labels the labels, {@code n} ints starting at {@code labels.position()}, or null for
 *               unlabelled data (out-of-distribution means without labels)
 */
public record Batch(FloatBuffer x, IntBuffer labels, int n, int d) {

    public Batch {
        if (n < 0 || d < 1) {
            throw new IllegalArgumentException("batch shape (" + n + ", " + d + ") is invalid: need n >= 0 and d >= 1");
        }
        if ((long) n * d > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("batch of " + n + " x " + d + " exceeds 2^31-1 elements: split it");
        }
        if (x.remaining() < n * d) {
            throw new IllegalArgumentException("batch data holds " + x.remaining() + " floats but (n, d) = ("
                    + n + ", " + d + ") needs " + ((long) n * d));
        }
        if (labels != null && labels.remaining() != n) {
            throw new IllegalArgumentException("labels and rows differ in length: " + labels.remaining()
                    + " labels for " + n + " rows");
        }
    }

    /** A batch of {@code n = x.length / d} rows from a row-major array. */
    public static Batch of(float[] x, int d, int[] labels) {
        if (d < 1 || x.length % d != 0) {
            throw new IllegalArgumentException("array of " + x.length + " floats is not a whole number of rows of d = " + d);
        }
        return new Batch(FloatBuffer.wrap(x), labels == null ? null : IntBuffer.wrap(labels), x.length / d, d);
    }

    /** A batch from a row-major array with an explicit shape. */
    public static Batch of(float[] x, int n, int d, int[] labels) {
        if ((long) n * d != x.length) {
            throw new IllegalArgumentException("array of " + x.length + " floats does not hold (n, d) = (" + n + ", " + d + ")");
        }
        return new Batch(FloatBuffer.wrap(x), labels == null ? null : IntBuffer.wrap(labels), n, d);
    }

    /** A batch from rows; every row must have the same length. Copies once into a row-major array. */
    public static Batch of(float[][] rows, int[] labels) {
        if (rows.length == 0) {
            throw new IllegalArgumentException("float[][] batch has no rows, so its dimension is unknown: use Batch.of(new float[0], 0, d, labels)");
        }
        int d = rows[0].length;
        float[] flat = new float[Math.multiplyExact(rows.length, d)];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != d) {
                throw new IllegalArgumentException("row " + i + " has length " + rows[i].length + " but row 0 has " + d);
            }
            System.arraycopy(rows[i], 0, flat, i * d, d);
        }
        return of(flat, rows.length, d, labels);
    }

    /** A batch from buffers (heap or direct); reads from their current positions. */
    public static Batch of(FloatBuffer x, int n, int d, IntBuffer labels) {
        return new Batch(x.slice(), labels == null ? null : labels.slice(), n, d);
    }

    /** Row-major embeddings as an array: the caller's own array when the buffer is array-backed at offset 0. */
    public float[] array() {
        if (x.hasArray() && x.arrayOffset() + x.position() == 0 && x.array().length == n * d) {
            return x.array();
        }
        float[] a = new float[n * d];
        x.get(x.position(), a);
        return a;
    }

    /** Labels as an array (the caller's own when possible); null for an unlabelled batch. */
    public int[] labelArray() {
        if (labels == null) {
            return null;
        }
        if (labels.hasArray() && labels.arrayOffset() + labels.position() == 0 && labels.array().length == n) {
            return labels.array();
        }
        int[] a = new int[n];
        labels.get(labels.position(), a);
        return a;
    }
}
