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

    public CovarAccumulator(int k, int d, Backend backend, DType dtype, Means means) {
        super(k, d, backend, dtype);
        checkShape(means);
        this.means = means;
        this.stats = backend.centredStats(means.meansView(), k, d, dtype, true, false);
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
        long n = java.util.Arrays.stream(stats.counts()).sum();
        if (n == 0) {
            throw new IllegalStateException("CovarAccumulator is empty: no samples accumulated");
        }
        double[] s = stats.scatter();
        for (int i = 0; i < s.length; i++) {
            s[i] /= n;
        }
        return new Covariance(s, n, d, means);
    }

    @Override
    void release() {
        stats.close();
    }
}
