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
    private final ClassSums sums;

    public MeanAccumulator(int k, int d, Backend backend, DType dtype) {
        super(k, d, backend, dtype);
        this.sums = backend.classSums(k, d, dtype);
    }

    /** Labels here; the finite check where the backend's class sums do not fuse it. */
    @Override
    void validate(Batch batch) {
        checkLabels(batch);
        if (!sums.checksFinite()) {
            Validation.finite(batch);
        }
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
        ensureOpen();
        java.util.Map<String, Object> a = new java.util.LinkedHashMap<>();
        a.put("sums", sums.sums());
        a.put("counts", sums.counts());
        AccumulatorFiles.write(file, "MeanAccumulator", k, d, dtype, a);
    }

    /**
     * A new accumulator holding the state saved in {@code file}, to continue or merge.
     *
     * @throws java.io.IOException when the file holds another kind, K, D, dtype or format version
     */
    public static MeanAccumulator load(java.nio.file.Path file, int k, int d, Backend backend, DType dtype)
            throws java.io.IOException {
        AccumulatorFiles.State s = AccumulatorFiles.read(file, "MeanAccumulator", k, d, dtype);
        double[] sums = s.doubles(file, "sums");
        long[] counts = s.longs(file, "counts");
        if (sums.length != (long) k * d || counts.length != k) {
            throw new java.io.IOException(file + ": array sizes do not match K = " + k + ", D = " + d);
        }
        MeanAccumulator m = new MeanAccumulator(k, d, backend, dtype);
        m.sums.addTotals(sums, counts);
        return m;
    }

    @Override
    void release() {
        sums.close();
    }
}
