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
 *
 * <p>Threads: one at a time, a concurrent call throws; feed many threads through one accumulator
 * each, built with the same means, and merge them (see {@link Accumulator}).
 */
abstract sealed class CentredAccumulator extends Accumulator permits CovarAccumulator, VarNormAccumulator {
    final Means means;
    private final CentredStats stats;
    private final String arrayName;
    /** Totals merged from other accumulators or loaded from a file, added at compute time. */
    private final double[] extra;
    private final long[] extraCounts;
    /** Power-of-two exponent applied to rows and means before the float32 arithmetic ({@link Rescale}). */
    private final int exp;

    CentredAccumulator(int k, int d, Backend backend, DType dtype, Means means, boolean scatter) {
        super(k, d, backend, dtype);
        checkShape(means);
        this.means = means;
        this.exp = Rescale.exponent(means.meansView(), means.counts(), k, d, dtype);
        this.stats = backend.centredStats(Rescale.scaled(means.meansView(), exp), k, d, dtype, scatter, !scatter);
        this.arrayName = scatter ? "scatter" : "var_sums";
        this.extra = new double[scatter ? Math.multiplyExact(d, d) : k];
        this.extraCounts = new long[k];
    }

    @Override
    final Means boundMeans() {
        return means;
    }

    /**
     * Adds a batch after checking that {@code means} are the ones this accumulator was built with
     * (the Python package passes M with every batch). Only accumulators built with means have this
     * overload: {@code MeanAccumulator.accumulate(x, y, means)} does not compile.
     */
    public final void accumulate(float[] x, int[] labels, Means means) {
        accumulateWithMeans(x, labels, means);
    }

    @Override
    final void validate(Batch batch) {
        checkLabels(batch);
        // The CPU operation checks finiteness in its centring pass (a row holding NaN or ±∞ has a
        // non-finite norm): no separate scan over the batch.
        if (!stats.checksFinite()) {
            Validation.finite(batch);
        }
        Validation.labelsHaveMeans(labelled(batch), means);
    }

    @Override
    final void add(Batch batch) {
        stats.add(Rescale.scaled(labelled(batch), exp));
    }

    /** This stream's sums plus merged ones. */
    final double[] totalSums() {
        double[] s = Rescale.unscale(arrayName.equals("scatter") ? stats.scatter() : stats.varNormSums(), -2 * exp);
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
        if (other.getClass() != getClass() || other.k != k || other.d != d || !other.means.sameValues(means)) {
            throw new IllegalArgumentException("cannot merge: the other " + other.getClass().getSimpleName()
                    + " has another shape or other means");
        }
        merging(other, () -> addExtra(other.totalSums(), other.totalCounts()));
    }

    private void addExtra(double[] s, long[] c) {
        for (int i = 0; i < s.length; i++) {
            extra[i] += s[i];
        }
        for (int i = 0; i < k; i++) {
            extraCounts[i] += c[i];
        }
    }

    @Override
    final Map<String, Object> state() {
        Map<String, Object> a = use(() -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put(arrayName, totalSums());
            m.put("counts", totalCounts());
            return m;
        });
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
        boolean scatter = arrayName.equals("scatter");
        double[] sums = s.sums(arrayName, extra.length, !scatter);
        long[] counts = s.counts("counts", k);
        if (scatter) {
            for (int j = 0; j < d; j++) {
                if (sums[j * d + j] < 0) {
                    throw AccumulatorFiles.bad(s.source(), "impossible value in the saved " + s.kind() + ": scatter diagonal "
                            + j + " = " + sums[j * d + j] + " is negative");
                }
            }
        } else {
            s.emptyClassesZero(counts, sums, 1, arrayName);
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
