package org.ncj.accumulate;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import org.ncj.DType;
import org.ncj.backend.Backend;
import org.ncj.backend.Batch;
import org.ncj.backend.CentredStats;

/**
 * Second-pass accumulators about fixed class means ({@link CovarAccumulator},
 * {@link VarNormAccumulator}, and {@link WithinClassAccumulator} for both from one staging of
 * each batch): running sums (the scatter matrix, the per-class variance sums, or both) and
 * per-class counts, plus totals merged from others or loaded from a file.
 *
 * <p>Threads: one at a time, a concurrent call throws; feed many threads through one accumulator
 * each, built with the same means, and merge them (see {@link Accumulator}).
 */
abstract sealed class CentredAccumulator extends Accumulator
        permits CovarAccumulator, VarNormAccumulator, WithinClassAccumulator {
    static final String SCATTER = "scatter";
    static final String VAR_SUMS = "var_sums";

    final Means means;
    private final CentredStats stats;
    /** Totals merged from other accumulators or loaded from a file, added at compute time (null: not kept). */
    private final double[] extraScatter;
    private final double[] extraVar;
    private final long[] extraCounts;
    /** Power-of-two exponent applied to rows and means before the float32 arithmetic ({@link Rescale}). */
    private final int exp;

    CentredAccumulator(int k, int d, Backend backend, DType dtype, Means means, boolean scatter, boolean varNorms) {
        super(k, d, backend, dtype);
        checkShape(means);
        this.means = means;
        this.exp = Rescale.exponent(means.meansView(), means.counts(), k, d, dtype);
        this.stats = backend.centredStats(Rescale.scaled(means.meansView(), exp), k, d, dtype, scatter, varNorms);
        this.extraScatter = scatter ? new double[Math.multiplyExact(d, d)] : null;
        this.extraVar = varNorms ? new double[k] : null;
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

    /** This stream's scatter matrix plus merged ones. */
    final double[] totalScatter() {
        return total(stats.scatter(), extraScatter);
    }

    /** This stream's per-class variance sums plus merged ones. */
    final double[] totalVarSums() {
        return total(stats.varNormSums(), extraVar);
    }

    private double[] total(double[] own, double[] extra) {
        double[] s = Rescale.unscale(own, -2 * exp);
        for (int i = 0; i < s.length; i++) {
            s[i] += extra[i];
        }
        return s;
    }

    /** Σ_W: the scatter over the number of samples seen (and merged) so far. */
    final Covariance covarianceNow() {
        long n = Arrays.stream(totalCounts()).sum();
        if (n == 0) {
            throw new IllegalStateException(getClass().getSimpleName() + " is empty: no samples accumulated");
        }
        double[] s = totalScatter();
        for (int i = 0; i < s.length; i++) {
            s[i] /= n;
        }
        return new Covariance(s, n, d, means);
    }

    /** Per-class variance norms (NaN for a class without samples) of the samples seen (and merged) so far. */
    final VarNorms varNormsNow() {
        long[] counts = totalCounts();
        if (Arrays.stream(counts).sum() == 0) {
            throw new IllegalStateException(getClass().getSimpleName() + " is empty: no samples accumulated");
        }
        double[] s = totalVarSums();
        for (int c = 0; c < k; c++) {
            s[c] = counts[c] == 0 ? Double.NaN : s[c] / counts[c];
        }
        return new VarNorms(s, counts, means);
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
        merging(other, () -> addExtra(extraScatter == null ? null : other.totalScatter(),
                extraVar == null ? null : other.totalVarSums(), other.totalCounts()));
    }

    private void addExtra(double[] scatter, double[] var, long[] c) {
        if (scatter != null) {
            for (int i = 0; i < scatter.length; i++) {
                extraScatter[i] += scatter[i];
            }
        }
        if (var != null) {
            for (int i = 0; i < var.length; i++) {
                extraVar[i] += var[i];
            }
        }
        for (int i = 0; i < k; i++) {
            extraCounts[i] += c[i];
        }
    }

    @Override
    final Map<String, Object> state() {
        Map<String, Object> a = use(() -> {
            Map<String, Object> m = new LinkedHashMap<>();
            if (extraScatter != null) {
                m.put(SCATTER, totalScatter());
            }
            if (extraVar != null) {
                m.put(VAR_SUMS, totalVarSums());
            }
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
        double[] scatter = extraScatter == null ? null : s.sums(SCATTER, extraScatter.length, false);
        double[] var = extraVar == null ? null : s.sums(VAR_SUMS, extraVar.length, true);
        long[] counts = s.counts("counts", k);
        if (scatter != null) {
            for (int j = 0; j < d; j++) {
                if (scatter[j * d + j] < 0) {
                    throw AccumulatorFiles.bad(s.source(), "impossible value in the saved " + s.kind() + ": scatter diagonal "
                            + j + " = " + scatter[j * d + j] + " is negative");
                }
            }
        }
        if (var != null) {
            s.emptyClassesZero(counts, var, 1, VAR_SUMS);
        }
        addExtra(scatter, var, counts);
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
