package org.ncj.accumulate;

import java.util.Arrays;

import org.ncj.DType;

/**
 * Class means and the global mean, the result of {@link MeanAccumulator#compute}: the input of
 * every measure and of the second-pass accumulators.
 *
 * <p>Measures run over the selected classes only ({@link #selected()}); absent classes have NaN
 * rows in {@link #means()} and never enter a measure as zero vectors.
 */
public final class Means {
    private final int k;
    private final int d;
    private final DType dtype;
    private final long[] counts;
    private final double[] means;
    private final double[] globalMean;
    private final int[] selected;
    private final GlobalMean globalMeanKind;
    private final ClassFilter filter;

    Means(int k, int d, DType dtype, long[] counts, double[] means, GlobalMean kind, ClassFilter filter) {
        this.k = k;
        this.d = d;
        this.dtype = dtype;
        this.counts = counts;
        this.means = means;
        this.globalMeanKind = kind;
        this.filter = filter;
        this.selected = select(counts, filter);
        if (selected.length == 0) {
            throw new IllegalStateException(Arrays.stream(counts).sum() == 0
                    ? "no samples accumulated: the accumulator is empty"
                    : "no class passes the filter " + filter + " (counts range " + Arrays.stream(counts).min().orElse(0)
                    + ".." + Arrays.stream(counts).max().orElse(0) + ")");
        }
        this.globalMean = new double[d];
        double wsum = 0;
        for (int c : selected) {
            double w = kind == GlobalMean.WEIGHTED ? counts[c] : 1.0;
            wsum += w;
            for (int j = 0; j < d; j++) {
                globalMean[j] += w * means[c * d + j];
            }
        }
        for (int j = 0; j < d; j++) {
            globalMean[j] /= wsum;
        }
    }

    /**
     * Means built from given class means (for example, loaded from a file), all classes present
     * with the given counts.
     *
     * @param means  row-major K×D
     * @param counts per-class sample counts (classes with count 0 are absent)
     */
    public static Means of(double[] means, long[] counts, int d, DType dtype, GlobalMean kind, ClassFilter filter) {
        int k = counts.length;
        if (means.length != (long) k * d) {
            throw new IllegalArgumentException("means hold " + means.length + " values, K x D = " + k + " x " + d + " needs " + ((long) k * d));
        }
        double[] m = means.clone();
        for (int c = 0; c < k; c++) {
            if (counts[c] < 0) {
                throw new IllegalArgumentException("class " + c + " has a negative count " + counts[c]);
            }
            for (int j = 0; j < d; j++) {
                if (counts[c] == 0) {
                    m[c * d + j] = Double.NaN;
                } else if (!Double.isFinite(m[c * d + j])) {
                    throw new IllegalArgumentException("class " + c + " mean has a non-finite value at column " + j);
                }
            }
        }
        return new Means(k, d, dtype, counts.clone(), m, kind, filter);
    }

    private static int[] select(long[] counts, ClassFilter filter) {
        return java.util.stream.IntStream.range(0, counts.length).filter(c -> filter.accepts(counts[c])).toArray();
    }

    /** The same class means with another global mean or filter. */
    public Means with(GlobalMean kind, ClassFilter newFilter) {
        return new Means(k, d, dtype, counts, means, kind, newFilter);
    }

    public int numClasses() {
        return k;
    }

    public int dim() {
        return d;
    }

    /** The type the means were accumulated in (fixes the pseudo-inverse cutoff). */
    public DType dtype() {
        return dtype;
    }

    /** Per-class sample counts (a copy). */
    public long[] counts() {
        return counts.clone();
    }

    /** Total samples over all classes. */
    public long totalCount() {
        return Arrays.stream(counts).sum();
    }

    /** Row-major K×D class means, NaN rows for absent classes (a copy). */
    public double[] means() {
        return means.clone();
    }

    /** Mean of class {@code c}; NaN entries when the class is absent. */
    public double[] mean(int c) {
        return Arrays.copyOfRange(means, c * d, (c + 1) * d);
    }

    /** Global mean μ_G over the selected classes (a copy). */
    public double[] globalMean() {
        return globalMean.clone();
    }

    public GlobalMean globalMeanKind() {
        return globalMeanKind;
    }

    public ClassFilter filter() {
        return filter;
    }

    /** Selected classes, ascending (a copy). */
    public int[] selected() {
        return selected.clone();
    }

    /** Number of selected classes. */
    public int numSelected() {
        return selected.length;
    }

    /** Classes not selected (absent or filtered out), ascending. */
    public int[] dropped() {
        boolean[] sel = new boolean[k];
        for (int c : selected) {
            sel[c] = true;
        }
        return java.util.stream.IntStream.range(0, k).filter(c -> !sel[c]).toArray();
    }

    /** Classes with at least one sample, ascending. */
    public int[] present() {
        return java.util.stream.IntStream.range(0, k).filter(c -> counts[c] > 0).toArray();
    }

    /** Whether class {@code c} has a mean. */
    public boolean isPresent(int c) {
        return counts[c] > 0;
    }

    /** Row-major (selected × D) uncentred means of the selected classes. */
    public double[] selectedMeans() {
        double[] out = new double[selected.length * d];
        for (int r = 0; r < selected.length; r++) {
            System.arraycopy(means, selected[r] * d, out, r * d, d);
        }
        return out;
    }

    /** Row-major (selected × D) centred means {@code μ_c − μ_G} of the selected classes. */
    public double[] centred() {
        double[] out = selectedMeans();
        for (int r = 0; r < selected.length; r++) {
            for (int j = 0; j < d; j++) {
                out[r * d + j] -= globalMean[j];
            }
        }
        return out;
    }

    /** Package-private view without copying, for accumulators. */
    double[] meansView() {
        return means;
    }

    /** Whether two Means hold the same numbers (shape, counts, class means). */
    boolean sameValues(Means o) {
        return o.k == k && o.d == d && Arrays.equals(o.counts, counts) && Arrays.equals(o.means, means);
    }

    @Override
    public String toString() {
        return "Means[K=" + k + ", D=" + d + ", selected=" + selected.length + ", dropped=" + (k - selected.length)
                + ", dtype=" + dtype + ", globalMean=" + globalMeanKind + "]";
    }
}
