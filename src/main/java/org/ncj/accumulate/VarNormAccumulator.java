package org.ncj.accumulate;

import org.ncj.DType;
import org.ncj.backend.Backend;
import org.ncj.backend.Batch;
import org.ncj.backend.CentredStats;

/**
 * Second pass: per-class variance norms about fixed class means, for CDNV (Python package:
 * {@code VarNormAccumulator}).
 */
public final class VarNormAccumulator extends Accumulator {
    private final Means means;
    private final CentredStats stats;

    public VarNormAccumulator(int k, int d, Backend backend, DType dtype, Means means) {
        super(k, d, backend, dtype);
        checkShape(means);
        this.means = means;
        this.stats = backend.centredStats(means.meansView(), k, d, dtype, false, true);
    }

    /** Built for the shape and dtype of {@code means}. */
    public VarNormAccumulator(Backend backend, Means means) {
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

    /** Variance norms of the samples seen so far. */
    public VarNorms compute() {
        ensureOpen();
        long[] counts = stats.counts();
        if (java.util.Arrays.stream(counts).sum() == 0) {
            throw new IllegalStateException("VarNormAccumulator is empty: no samples accumulated");
        }
        double[] s = stats.varNormSums();
        for (int c = 0; c < k; c++) {
            s[c] = counts[c] == 0 ? Double.NaN : s[c] / counts[c];
        }
        return new VarNorms(s, counts, means);
    }

    @Override
    void release() {
        stats.close();
    }
}
