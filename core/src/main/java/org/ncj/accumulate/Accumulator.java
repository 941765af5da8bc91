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
 *
 * <p><b>Threads.</b> An accumulator takes one thread at a time. A call that arrives while another
 * thread is inside one of its methods throws {@link java.util.ConcurrentModificationException} at
 * once and changes nothing (the other call completes normally); calls from several threads that do
 * not overlap are safe. To feed from many threads at full speed, give each thread its own
 * accumulator (they may share one {@link Backend}) and {@code merge} them at the end: counts and
 * hits add exactly, sums as one stream would within rounding.
 *
 * <pre>{@code
 * MeanAccumulator[] part = new MeanAccumulator[threads];   // part[t] fed by thread t only
 * ... join the threads ...
 * for (int t = 1; t < threads; t++) { part[0].merge(part[t]); part[t].close(); }
 * }</pre>
 */
public abstract sealed class Accumulator implements AutoCloseable
        permits MeanAccumulator, CentredAccumulator, DecAccumulator {

    protected final int k;
    protected final int d;
    protected final DType dtype;
    protected final Backend backend;
    private boolean closed;
    /** One thread at a time (see the class comment). */
    final UseGuard guard;

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
        this.guard = new UseGuard(getClass().getSimpleName());
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
        guard.enter();
        try {
            ensureOpen();
            if (batch.d() != d) {
                throw new IllegalArgumentException("batch has dimension d = " + batch.d() + " but the accumulator has D = " + d);
            }
            validate(batch);
            add(batch);
        } finally {
            guard.exit();
        }
    }

    /** The second-pass accumulators' {@code accumulate(x, labels, means)}, under the one-thread guard. */
    final void accumulateWithMeans(float[] x, int[] labels, Means means) {
        guard.enter();
        try {
            checkMeans(means);
            accumulate(x, labels);
        } finally {
            guard.exit();
        }
    }

    /**
     * The full state as named arrays (see {@link AccumulatorFiles}), read under the one-thread
     * guard: what {@link #save(java.nio.file.Path)}, {@link #save(java.io.OutputStream)} and
     * {@link #toBytes()} write.
     */
    abstract java.util.Map<String, Object> state();

    /** Writes the full state (the named arrays, K, D, dtype) to {@code file}; see {@link AccumulatorFiles}. */
    public final void save(java.nio.file.Path file) throws java.io.IOException {
        AccumulatorFiles.write(file, getClass().getSimpleName(), k, d, dtype, state());
    }

    /** Writes the same bytes as {@link #save(java.nio.file.Path)} to {@code out} (not closed). */
    public final void save(java.io.OutputStream out) throws java.io.IOException {
        AccumulatorFiles.write(out, getClass().getSimpleName(), k, d, dtype, state());
    }

    /** The full state as bytes, the same as {@link #save(java.nio.file.Path)} writes. */
    public final byte[] toBytes() {
        return AccumulatorFiles.toBytes(getClass().getSimpleName(), k, d, dtype, state());
    }

    /** Runs a read of the state under the one-thread guard, on an open accumulator. */
    final <T> T use(java.util.function.Supplier<T> op) {
        guard.enter();
        try {
            ensureOpen();
            return op.get();
        } finally {
            guard.exit();
        }
    }

    /**
     * Runs a merge of {@code other} into this under both guards, after refusing a merge into
     * itself (it would double the totals) and one of another dtype (its sums carry another
     * rounding, and the result would claim a precision it does not have).
     */
    final void merging(Accumulator other, Runnable body) {
        Objects.requireNonNull(other, "other");
        String name = getClass().getSimpleName();
        if (other == this) {
            throw new IllegalArgumentException("cannot merge a " + name + " into itself: that would count every row twice");
        }
        if (other.dtype != dtype) {
            throw new IllegalArgumentException("cannot merge a " + other.dtype + " " + other.getClass().getSimpleName()
                    + " into a " + dtype + " one: accumulate both in the same dtype");
        }
        guard.enter();
        try {
            other.guard.enter();
            try {
                ensureOpen();
                other.ensureOpen();
                body.run();
            } finally {
                other.guard.exit();
            }
        } finally {
            guard.exit();
        }
    }

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

    /** Releases backend resources (device memory); closing again does nothing. */
    @Override
    public void close() {
        guard.enter();
        try {
            if (closed) {
                return;
            }
            closed = true;
            release();
        } finally {
            guard.exit();
        }
    }

    abstract void release();
}
