package org.ncj.accumulate;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

import org.ncj.DType;
import org.ncj.backend.Backend;

/**
 * Second pass: per-class variance norms about fixed class means, for CDNV (Python package:
 * {@code VarNormAccumulator}).
 *
 * <p>Threads: one at a time; a call made while another thread is inside one throws
 * {@link java.util.ConcurrentModificationException} and changes nothing. Feed many threads
 * through one accumulator each, built with the same means, and {@link #merge} them.
 */
public final class VarNormAccumulator extends CentredAccumulator {

    public VarNormAccumulator(int k, int d, Backend backend, DType dtype, Means means) {
        super(k, d, backend, dtype, means, false, true);
    }

    /** Built for the shape and dtype of {@code means}. */
    public VarNormAccumulator(Backend backend, Means means) {
        this(means.numClasses(), means.dim(), backend, means.dtype(), means);
    }

    /** Variance norms of the samples seen (and merged) so far. */
    public VarNorms compute() {
        return use(this::varNormsNow);
    }

    /** Adds another accumulator's totals; both must have been built with the same means. */
    public void merge(VarNormAccumulator other) {
        mergeFrom(other);
    }

    /**
     * A new accumulator about {@code means} holding the state saved in {@code file}.
     *
     * @throws IOException when the file holds another kind, K, D, dtype, version or other means
     */
    public static VarNormAccumulator load(Path file, Backend backend, Means means) throws IOException {
        return restored(new VarNormAccumulator(backend, means), acc -> acc.restore(file));
    }

    /** Reads one state from {@code in} (left just after it, not closed); see {@link #load(Path, Backend, Means)}. */
    public static VarNormAccumulator load(InputStream in, Backend backend, Means means) throws IOException {
        return restored(new VarNormAccumulator(backend, means), acc -> acc.restore(in));
    }

    /** The state {@link #toBytes()} gave; see {@link #load(Path, Backend, Means)}. */
    public static VarNormAccumulator fromBytes(byte[] bytes, Backend backend, Means means) throws IOException {
        return restored(new VarNormAccumulator(backend, means), acc -> acc.restore(bytes));
    }
}
