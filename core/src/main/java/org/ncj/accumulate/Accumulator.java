package org.ncj.accumulate;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.Objects;

import org.ncj.DType;
import org.ncj.backend.Backend;
import org.ncj.backend.Batch;

/**
 * Common ground of the accumulators: shape, dtype, the backend that computes, input validation,
 * and the batch overloads. A batch is validated completely before any state changes, so a
 * rejected batch leaves the accumulator exactly as it was.
 */
public abstract sealed class Accumulator implements AutoCloseable
        permits MeanAccumulator, CentredAccumulator, DecAccumulator {

    protected final int k;
    protected final int d;
    protected final DType dtype;
    protected final Backend backend;
    private boolean closed;

    Accumulator(int k, int d, Backend backend, DType dtype) {
        if (k < 1) {
            throw new IllegalArgumentException("number of classes K must be >= 1, got " + k);
        }
        if (d < 1) {
            throw new IllegalArgumentException("embedding dimension D must be >= 1, got " + d);
        }
        this.k = k;
        this.d = d;
        this.backend = Objects.requireNonNull(backend, "backend");
        this.dtype = Objects.requireNonNull(dtype, "dtype");
    }

    /** Number of classes K. */
    public int numClasses() {
        return k;
    }

    /** Embedding dimension D. */
    public int dim() {
        return d;
    }

    /** Working precision. */
    public DType dtype() {
        return dtype;
    }

    /** Adds a row-major batch of {@code labels.length} rows of dimension D. */
    public final void accumulate(float[] x, int[] labels) {
        Objects.requireNonNull(x, "x");
        if (x.length % d != 0) {
            throw new IllegalArgumentException("batch of " + x.length + " floats is not a whole number of rows of D = " + d
                    + " (d != D?)");
        }
        accumulate(Batch.of(x, x.length / d, d, labels));
    }

    /** Adds a batch given as rows; each row must have length D. */
    public final void accumulate(float[][] x, int[] labels) {
        Objects.requireNonNull(x, "x");
        for (int i = 0; i < x.length; i++) {
            if (x[i].length != d) {
                throw new IllegalArgumentException("row " + i + " has dimension " + x[i].length + " but the accumulator has D = " + d);
            }
        }
        accumulate(x.length == 0 ? Batch.of(new float[0], 0, d, labels) : Batch.of(x, labels));
    }

    /** Adds {@code n} rows from a buffer (heap or direct, from its position) with labels from a buffer. */
    public final void accumulate(FloatBuffer x, IntBuffer labels, int n) {
        accumulate(Batch.of(x, n, d, labels));
    }

    /** Adds a batch. */
    public final void accumulate(Batch batch) {
        ensureOpen();
        if (batch.d() != d) {
            throw new IllegalArgumentException("batch has dimension d = " + batch.d() + " but the accumulator has D = " + d);
        }
        validate(batch);
        add(batch);
    }

    /**
     * Checks that {@code given} are the means this second-pass accumulator was built with: the
     * numbers are compared only when a different object arrives; the same object is recognised by
     * reference, never re-hashed.
     */
    void checkMeans(Means given) {
        ensureOpen();
        Means bound = boundMeans();
        if (bound == null) {
            throw new UnsupportedOperationException(getClass().getSimpleName() + " takes no means");
        }
        if (given == lastCheckedMeans || given == bound) {
            return;
        }
        if (!bound.sameValues(given)) {
            throw new IllegalArgumentException("the means given differ from the means this " + getClass().getSimpleName()
                    + " was built with: build a new accumulator for new means");
        }
        lastCheckedMeans = given;
    }

    private Means lastCheckedMeans;

    /** The means a second-pass accumulator was built with, or null. */
    Means boundMeans() {
        return null;
    }

    /** Checks labels and values; throws before anything changes. */
    void validate(Batch batch) {
        checkLabels(batch);
        Validation.finite(batch);
    }

    /** Adds a validated batch. */
    abstract void add(Batch batch);

    void checkLabels(Batch batch) {
        if (batch.labels() == null) {
            if (k != 1) {
                throw new IllegalArgumentException("batch has no labels, which only a K = 1 accumulator accepts (K = " + k + ")");
            }
            return;
        }
        Validation.labels(batch, k);
    }

    /** A batch with explicit zero labels when it came without (K = 1). */
    static Batch labelled(Batch b) {
        return b.labels() != null ? b : new Batch(b.x(), IntBuffer.wrap(new int[b.n()]), b.n(), b.d());
    }

    final void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(getClass().getSimpleName() + " is closed");
        }
    }

    final void checkShape(Means means) {
        if (means.numClasses() != k || means.dim() != d) {
            throw new IllegalArgumentException("means are K x D = " + means.numClasses() + " x " + means.dim()
                    + " but the accumulator is " + k + " x " + d);
        }
    }

    /** Releases backend resources (device memory); closing twice is an error. */
    @Override
    public void close() {
        if (closed) {
            throw new IllegalStateException(getClass().getSimpleName() + " closed twice");
        }
        closed = true;
        release();
    }

    abstract void release();
}
