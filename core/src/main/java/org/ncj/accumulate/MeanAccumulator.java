package org.ncj.accumulate;

import org.ncj.DType;
import org.ncj.backend.Backend;
import org.ncj.backend.Batch;
import org.ncj.backend.ClassSums;

/**
 * Streams batches into per-class sums and counts; {@link #compute()} gives the class means and the
 * global mean (Python package: {@code MeanAccumulator}).
 *
 * <pre>{@code
 * try (var acc = new MeanAccumulator(K, D, backend, DType.FLOAT32)) {
 *     for (var batch : loader) acc.accumulate(batch.x(), batch.y());
 *     Means means = acc.compute();
 * }
 * }</pre>
 *
 * <p>For out-of-distribution data without labels use K = 1 and pass {@code null} labels.
 */
public final class MeanAccumulator extends Accumulator {
    private static final String KIND = "MeanAccumulator";
    private final ClassSums sums;

    public MeanAccumulator(int k, int d, Backend backend, DType dtype) {
        super(k, d, backend, dtype);
        this.sums = backend.classSums(k, d, dtype);
    }

    @Override
    void add(Batch batch) {
        sums.add(labelled(batch));
    }

    /** Per-class counts so far. */
    public long[] counts() {
        ensureOpen();
        return sums.counts();
    }

    /** Row-major K×D class sums so far (float64). */
    public double[] sums() {
        ensureOpen();
        return sums.sums();
    }

    /** Class means with the unweighted global mean over all classes that have samples. */
    public Means compute() {
        return compute(GlobalMean.UNWEIGHTED, ClassFilter.PRESENT);
    }

    /**
     * Class means, the global mean of the given kind over the classes the filter selects.
     *
     * @throws IllegalStateException when nothing was accumulated or no class passes the filter
     */
    public Means compute(GlobalMean kind, ClassFilter filter) {
        ensureOpen();
        long[] counts = sums.counts();
        double[] s = sums.sums();
        for (int c = 0; c < k; c++) {
            for (int j = 0; j < d; j++) {
                s[c * d + j] = counts[c] == 0 ? Double.NaN : s[c * d + j] / counts[c];
            }
        }
        return new Means(k, d, dtype, counts, s, kind, filter);
    }

    /** Adds another accumulator's totals (same K, D); both keep working. */
    public void merge(MeanAccumulator other) {
        ensureOpen();
        if (other.k != k || other.d != d) {
            throw new IllegalArgumentException("cannot merge a " + other.k + " x " + other.d + " accumulator into a " + k + " x " + d + " one");
        }
        sums.addTotals(other.sums(), other.counts());
    }

    /** Writes the full state (sums, counts, K, D, dtype) to {@code file}; see {@link AccumulatorFiles}. */
    public void save(java.nio.file.Path file) throws java.io.IOException {
        AccumulatorFiles.write(file, KIND, k, d, dtype, state());
    }

    /** Writes the same bytes as {@link #save(java.nio.file.Path)} to {@code out} (not closed). */
    public void save(java.io.OutputStream out) throws java.io.IOException {
        AccumulatorFiles.write(out, KIND, k, d, dtype, state());
    }

    /** The full state as bytes, the same as {@link #save(java.nio.file.Path)} writes. */
    public byte[] toBytes() {
        return AccumulatorFiles.toBytes(KIND, k, d, dtype, state());
    }

    private java.util.Map<String, Object> state() {
        ensureOpen();
        java.util.Map<String, Object> a = new java.util.LinkedHashMap<>();
        a.put("sums", sums.sums());
        a.put("counts", sums.counts());
        return a;
    }

    /**
     * A new accumulator holding the state saved in {@code file}, to continue or merge.
     *
     * @throws java.io.IOException when the file holds another kind, K, D, dtype or format version
     */
    public static MeanAccumulator load(java.nio.file.Path file, int k, int d, Backend backend, DType dtype)
            throws java.io.IOException {
        return restore(AccumulatorFiles.read(file, KIND, k, d, dtype), backend);
    }

    /** Reads one state from {@code in} (left just after it, not closed); see {@link #load(java.nio.file.Path, int, int, Backend, DType)}. */
    public static MeanAccumulator load(java.io.InputStream in, int k, int d, Backend backend, DType dtype)
            throws java.io.IOException {
        return restore(AccumulatorFiles.read(in, AccumulatorFiles.STREAM, KIND, k, d, dtype), backend);
    }

    /** The state {@link #toBytes()} gave; see {@link #load(java.nio.file.Path, int, int, Backend, DType)}. */
    public static MeanAccumulator fromBytes(byte[] bytes, int k, int d, Backend backend, DType dtype)
            throws java.io.IOException {
        return restore(AccumulatorFiles.read(bytes, KIND, k, d, dtype), backend);
    }

    private static MeanAccumulator restore(AccumulatorFiles.State s, Backend backend) throws java.io.IOException {
        int k = s.k();
        int d = s.d();
        double[] sums = s.doubles("sums");
        long[] counts = s.longs("counts");
        if (sums.length != (long) k * d || counts.length != k) {
            throw new java.io.IOException(s.source() + ": array sizes do not match K = " + k + ", D = " + d);
        }
        MeanAccumulator m = new MeanAccumulator(k, d, backend, s.dtype());
        try {
            m.sums.addTotals(sums, counts);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        return m;
    }

    @Override
    void release() {
        sums.close();
    }
}
