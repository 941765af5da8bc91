package org.ncj.accumulate;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

import org.ncj.DType;
import org.ncj.backend.Backend;

/**
 * Second pass: pooled within-class covariance Σ_W about fixed class means (Python package:
 * {@code CovarAccumulator}). Every sample counts in N; a sample whose class has no mean is an error.
 *
 * <p>Threads: one at a time; a call made while another thread is inside one throws
 * {@link java.util.ConcurrentModificationException} and changes nothing. Feed many threads
 * through one accumulator each, built with the same means, and {@link #merge} them.
 */
public final class CovarAccumulator extends CentredAccumulator {

    public CovarAccumulator(int k, int d, Backend backend, DType dtype, Means means) {
        super(k, d, backend, dtype, means, true, false);
    }

    /** Built for the shape and dtype of {@code means}. */
    public CovarAccumulator(Backend backend, Means means) {
        this(means.numClasses(), means.dim(), backend, means.dtype(), means);
    }

    /** Σ_W over the samples seen (and merged) so far. */
    public Covariance compute() {
        return use(this::covarianceNow);
    }

    /** Adds another accumulator's totals; both must have been built with the same means. */
    public void merge(CovarAccumulator other) {
        mergeFrom(other);
    }

    /**
     * A new accumulator about {@code means} holding the state saved in {@code file}.
     *
     * @throws IOException when the file holds another kind, K, D, dtype, version or other means
     */
    public static CovarAccumulator load(Path file, Backend backend, Means means) throws IOException {
        return restored(new CovarAccumulator(backend, means), acc -> acc.restore(file));
    }

    /** Reads one state from {@code in} (left just after it, not closed); see {@link #load(Path, Backend, Means)}. */
    public static CovarAccumulator load(InputStream in, Backend backend, Means means) throws IOException {
        return restored(new CovarAccumulator(backend, means), acc -> acc.restore(in));
    }

    /** The state {@link #toBytes()} gave; see {@link #load(Path, Backend, Means)}. */
    public static CovarAccumulator fromBytes(byte[] bytes, Backend backend, Means means) throws IOException {
        return restored(new CovarAccumulator(backend, means), acc -> acc.restore(bytes));
    }
}
