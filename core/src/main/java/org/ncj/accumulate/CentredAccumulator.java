package org.ncj.accumulate;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.ncj.DType;
import org.ncj.backend.Backend;
import org.ncj.backend.Batch;
import org.ncj.backend.CentredStats;

/**
 * Second-pass accumulators about fixed class means ({@link CovarAccumulator},
 * {@link VarNormAccumulator}): one running sum (the scatter matrix or the per-class variance
 * sums) and per-class counts, plus totals merged from others or loaded from a file.
 */
abstract sealed class CentredAccumulator extends Accumulator permits CovarAccumulator, VarNormAccumulator {
    final Means means;
    private final CentredStats stats;
    private final String arrayName;
    /** Totals merged from other accumulators or loaded from a file, added at compute time. */
    private final double[] extra;
    private final long[] extraCounts;

    CentredAccumulator(int k, int d, Backend backend, DType dtype, Means means, boolean scatter) {
        super(k, d, backend, dtype);
        checkShape(means);
        this.means = means;
        this.stats = backend.centredStats(means.meansView(), k, d, dtype, scatter, !scatter);
        this.arrayName = scatter ? "scatter" : "var_sums";
        this.extra = new double[scatter ? Math.multiplyExact(d, d) : k];
        this.extraCounts = new long[k];
    }

    @Override
    final Means boundMeans() {
        return means;
    }

    @Override
    final void validate(Batch batch) {
        super.validate(batch);
        Validation.labelsHaveMeans(labelled(batch), means);
    }

    @Override
    final void add(Batch batch) {
        stats.add(labelled(batch));
    }

    /** This stream's sums plus merged ones. */
    final double[] totalSums() {
        double[] s = arrayName.equals("scatter") ? stats.scatter() : stats.varNormSums();
        for (int i = 0; i < s.length; i++) {
            s[i] += extra[i];
        }
        return s;
    }

    /** This stream's per-class counts plus merged ones. */
    final long[] totalCounts() {
        long[] c = stats.counts();
        for (int i = 0; i < k; i++) {
            c[i] += extraCounts[i];
        }
        return c;
    }

    final void mergeFrom(CentredAccumulator other) {
        ensureOpen();
        if (other.getClass() != getClass() || other.k != k || other.d != d || !other.means.sameValues(means)) {
            throw new IllegalArgumentException("cannot merge: the other " + other.getClass().getSimpleName()
                    + " has another shape or other means");
        }
        addExtra(other.totalSums(), other.totalCounts());
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
    public final void save(Path file) throws IOException {
        AccumulatorFiles.write(file, getClass().getSimpleName(), k, d, dtype, state());
    }

    /** Writes the same bytes as {@link #save(Path)} to {@code out} (not closed). */
    public final void save(OutputStream out) throws IOException {
        AccumulatorFiles.write(out, getClass().getSimpleName(), k, d, dtype, state());
    }

    /** The full state as bytes, the same as {@link #save(Path)} writes. */
    public final byte[] toBytes() {
        return AccumulatorFiles.toBytes(getClass().getSimpleName(), k, d, dtype, state());
    }

    private Map<String, Object> state() {
        ensureOpen();
        Map<String, Object> a = new LinkedHashMap<>();
        a.put(arrayName, totalSums());
        a.put("counts", totalCounts());
        AccumulatorFiles.putMeans(a, means);
        return a;
    }

    /** Adds the state saved in {@code file} (checked for kind, shape, dtype, version and means). */
    final void restore(Path file) throws IOException {
        restore(AccumulatorFiles.read(file, getClass().getSimpleName(), k, d, dtype));
    }

    /** Adds one state read from {@code in}, checked as {@link #restore(Path)} does. */
    final void restore(InputStream in) throws IOException {
        restore(AccumulatorFiles.read(in, AccumulatorFiles.STREAM, getClass().getSimpleName(), k, d, dtype));
    }

    /** Adds the state in {@code bytes}, checked as {@link #restore(Path)} does. */
    final void restore(byte[] bytes) throws IOException {
        restore(AccumulatorFiles.read(bytes, getClass().getSimpleName(), k, d, dtype));
    }

    private void restore(AccumulatorFiles.State s) throws IOException {
        AccumulatorFiles.checkMeans(s, means);
        double[] sums = s.doubles(arrayName);
        long[] counts = s.longs("counts");
        if (sums.length != extra.length || counts.length != k) {
            throw new IOException(s.source() + ": array sizes do not match K = " + k + ", D = " + d);
        }
        addExtra(sums, counts);
    }

    /** Builds an accumulator and restores a state into it, closing it if that fails. */
    static <A extends CentredAccumulator> A restored(A acc, StateSource source) throws IOException {
        try {
            source.restoreInto(acc);
        } catch (IOException | RuntimeException e) {
            acc.close();
            throw e;
        }
        return acc;
    }

    /** One of the {@code restore} overloads applied to a new accumulator. */
    @FunctionalInterface
    interface StateSource {
        void restoreInto(CentredAccumulator acc) throws IOException;
    }

    @Override
    final void release() {
        stats.close();
    }
}
