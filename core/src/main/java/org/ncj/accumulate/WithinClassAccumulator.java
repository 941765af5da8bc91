package org.ncj.accumulate;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

import org.ncj.DType;
import org.ncj.backend.Backend;

/**
 * Second pass: the pooled within-class covariance Σ_W = (1/N) Σ_i (h_i − μ_{y_i})(h_i − μ_{y_i})ᵀ
 * and the per-class variance norms (1/N_c) Σ_{y_i = c} ‖h_i − μ_c‖² about fixed class means, from
 * one staging and centring of each batch (Papyan, Han and Donoho 2020, NC1; CDNV of Galanti et
 * al. 2022). It gives what a {@link CovarAccumulator} and a {@link VarNormAccumulator} fed the
 * same batches give, with the batch staged (and, on CUDA, copied to the device) once instead of
 * twice; the Python package's vocabulary keeps the two separate accumulators.
 *
 * <p>Threads: one at a time; a call made while another thread is inside one throws
 * {@link java.util.ConcurrentModificationException} and changes nothing. Feed many threads
 * through one accumulator each, built with the same means, and {@link #merge} them.
 */
public final class WithinClassAccumulator extends CentredAccumulator {

    public WithinClassAccumulator(int k, int d, Backend backend, DType dtype, Means means) {
        super(k, d, backend, dtype, means, true, true);
    }

    /** Built for the shape and dtype of {@code means}. */
    public WithinClassAccumulator(Backend backend, Means means) {
        this(means.numClasses(), means.dim(), backend, means.dtype(), means);
    }

    /** Σ_W over the samples seen (and merged) so far, as {@link CovarAccumulator#compute()}. */
    public Covariance covariance() {
        return use(this::covarianceNow);
    }

    /** Variance norms of the samples seen (and merged) so far, as {@link VarNormAccumulator#compute()}. */
    public VarNorms varNorms() {
        return use(this::varNormsNow);
    }

    /** Adds another accumulator's totals; both must have been built with the same means. */
    public void merge(WithinClassAccumulator other) {
        mergeFrom(other);
    }

    /**
     * A new accumulator about {@code means} holding the state saved in {@code file}.
     *
     * @throws IOException when the file holds another kind, K, D, dtype, version or other means
     */
    public static WithinClassAccumulator load(Path file, Backend backend, Means means) throws IOException {
        return restored(new WithinClassAccumulator(backend, means), acc -> acc.restore(file));
    }

    /** Reads one state from {@code in} (left just after it, not closed); see {@link #load(Path, Backend, Means)}. */
    public static WithinClassAccumulator load(InputStream in, Backend backend, Means means) throws IOException {
        return restored(new WithinClassAccumulator(backend, means), acc -> acc.restore(in));
    }

    /** The state {@link #toBytes()} gave; see {@link #load(Path, Backend, Means)}. */
    public static WithinClassAccumulator fromBytes(byte[] bytes, Backend backend, Means means) throws IOException {
        return restored(new WithinClassAccumulator(backend, means), acc -> acc.restore(bytes));
    }
}
