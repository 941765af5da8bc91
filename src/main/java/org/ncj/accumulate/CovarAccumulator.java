package org.ncj.accumulate;

import org.ncj.DType;
import org.ncj.backend.Backend;
import org.ncj.backend.Batch;
import org.ncj.backend.CentredStats;

/**
 * Second pass: pooled within-class covariance Σ_W about fixed class means (Python package:
 * {@code CovarAccumulator}). Every sample counts in N; a sample whose class has no mean is an error.
 */
public final class CovarAccumulator extends Accumulator {
    private final Means means;
    private final CentredStats stats;
    /** Totals merged from other accumulators or loaded from a file, added at compute time. */
    private final double[] extra;
    private final long[] extraCounts;

    public CovarAccumulator(int k, int d, Backend backend, DType dtype, Means means) {
        super(k, d, backend, dtype);
        checkShape(means);
        this.means = means;
        this.stats = backend.centredStats(means.meansView(), k, d, dtype, true, false);
        this.extra = new double[Math.multiplyExact(d, d)];
        this.extraCounts = new long[k];
    }

    /** Built for the shape and dtype of {@code means}. */
    public CovarAccumulator(Backend backend, Means means) {
        this(means.numClasses(), means.dim(), backend, means.dtype(), means);
    }

    @Override
    Means boundMeans() {
        return means;
    }

    @Override
    void validate(Batch batch) {
        super.validate(batch);
        checkLabelsHaveMeans(labelled(batch), means);
    }

    @Override
    void add(Batch batch) {
        stats.add(labelled(batch));
    }

    /** Σ_W over the samples seen so far. */
    public Covariance compute() {
        ensureOpen();
        Object[] t = totals();
        long n = java.util.Arrays.stream((long[]) t[1]).sum();
        if (n == 0) {
            throw new IllegalStateException("CovarAccumulator is empty: no samples accumulated");
        }
        double[] s = (double[]) t[0];
        for (int i = 0; i < s.length; i++) {
            s[i] /= n;
        }
        return new Covariance(s, n, d, means);
    }

    /** Raw totals: the scatter sums and per-class counts, this stream's and merged ones. */
    private Object[] totals() {
        double[] s = stats.scatter();
        long[] c = stats.counts();
        for (int i = 0; i < s.length; i++) {
            s[i] += extra[i];
        }
        for (int i = 0; i < k; i++) {
            c[i] += extraCounts[i];
        }
        return new Object[] {s, c};
    }

    /** Adds another accumulator's totals; both must have been built with the same means. */
    public void merge(CovarAccumulator other) {
        ensureOpen();
        if (other.k != k || other.d != d || !other.means.sameValues(means)) {
            throw new IllegalArgumentException("cannot merge: the other CovarAccumulator has another shape or other means");
        }
        Object[] t = other.totals();
        addExtra((double[]) t[0], (long[]) t[1]);
    }

    private void addExtra(double[] s, long[] c) {
        for (int i = 0; i < s.length; i++) {
            extra[i] += s[i];
        }
        for (int i = 0; i < k; i++) {
            extraCounts[i] += c[i];
        }
    }

    /** Writes the full state (totals, counts, the means, K, D, dtype) to {@code file}. */
    public void save(java.nio.file.Path file) throws java.io.IOException {
        ensureOpen();
        Object[] t = totals();
        java.util.Map<String, Object> a = new java.util.LinkedHashMap<>();
        a.put("scatter", t[0]);
        a.put("counts", t[1]);
        AccumulatorFiles.putMeans(a, means);
        AccumulatorFiles.write(file, "CovarAccumulator", k, d, dtype, a);
    }

    /**
     * A new accumulator about {@code means} holding the state saved in {@code file}.
     *
     * @throws java.io.IOException when the file holds another kind, K, D, dtype, version or other means
     */
    public static CovarAccumulator load(java.nio.file.Path file, Backend backend, Means means) throws java.io.IOException {
        AccumulatorFiles.State s = AccumulatorFiles.read(file, "CovarAccumulator", means.numClasses(), means.dim(), means.dtype());
        AccumulatorFiles.checkMeans(file, s, means);
        CovarAccumulator acc = new CovarAccumulator(backend, means);
        double[] sums = s.doubles(file, "scatter");
        long[] counts = s.longs(file, "counts");
        if (sums.length != acc.extra.length || counts.length != acc.k) {
            throw new java.io.IOException(file + ": array sizes do not match K = " + acc.k + ", D = " + acc.d);
        }
        acc.addExtra(sums, counts);
        return acc;
    }

    @Override
    void release() {
        stats.close();
    }
}
