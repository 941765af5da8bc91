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
 *
 * <p>Threads: one at a time, a concurrent call throws; feed many threads through one accumulator
 * each and {@link #merge} them (see {@link Accumulator}).
 */
public final class MeanAccumulator extends Accumulator {
    private static final String KIND = "MeanAccumulator";
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
        return use(sums::counts);
    }

    /** Row-major K×D class sums so far (float64). */
    public double[] sums() {
        return use(sums::sums);
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
        return use(() -> computeNow(kind, filter));
    }

    private Means computeNow(GlobalMean kind, ClassFilter filter) {
        long[] counts = sums.counts();
        double[] s = sums.sums();
        for (int c = 0; c < k; c++) {
            for (int j = 0; j < d; j++) {
                s[c * d + j] = counts[c] == 0 ? Double.NaN : s[c * d + j] / counts[c];
            }
        }
        return new Means(k, d, dtype, counts, s, kind, filter);
    }

    /**
     * Adds another accumulator's totals (same K, D and dtype); both keep working.
     *
     * @throws IllegalArgumentException for another shape or dtype, or {@code other == this}
     * @throws java.util.ConcurrentModificationException when either is in use by another thread
     */
    public void merge(MeanAccumulator other) {
        if (other.k != k || other.d != d) {
            throw new IllegalArgumentException("cannot merge a " + other.k + " x " + other.d + " accumulator into a " + k + " x " + d + " one");
        }
        merging(other, () -> sums.addTotals(other.sums.sums(), other.sums.counts()));
    }

    @Override
    final java.util.Map<String, Object> state() {
        return use(() -> {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("sums", sums.sums());
            m.put("counts", sums.counts());
            return m;
        });
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
        double[] sums = s.sums("sums", (long) k * d, false);
        long[] counts = s.counts("counts", k);
        s.emptyClassesZero(counts, sums, d, "sums");
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
