package org.ncj.backend.cpu;

import org.ncj.DType;
import org.ncj.backend.Batch;
import org.ncj.backend.ClassSums;

/**
 * Class sums by counting sort: rows are grouped by label, then each (class, column block) is
 * summed in row order by one task. No shared partials, no atomics, and a fixed order of
 * additions, so results do not depend on the number of threads.
 */
final class CpuClassSums implements ClassSums {
    /** Columns per task. */
    private static final int COLS = 256;
    /** Largest batch partial (present classes × D doubles, 8 MB) for the fused finite check. */
    private static final long FUSED_PARTIAL_MAX = 1 << 20;
    /** Rows summed in the working type before the partial is added to the float64 total. */
    private static final int FLUSH = 1024;

    private final int k;
    private final int d;
    private final DType dtype;
    private final double[] sums;
    private final long[] counts;

    CpuClassSums(int k, int d, DType dtype) {
        this.k = k;
        this.d = d;
        this.dtype = dtype;
        this.sums = new double[Math.multiplyExact(k, d)];
        this.counts = new long[k];
    }

    @Override
    public void add(Batch batch) {
        int n = batch.n();
        if (n == 0) {
            return;
        }
        float[] x = batch.array();
        int[] y = batch.labelArray();
        Grouping g = Grouping.byLabel(y, k);
        int colBlocks = (d + COLS - 1) / COLS;
        int[] present = g.presentClasses();
        // The finite check fused into this pass: the batch's sums go to a partial first (a NaN
        // or ±∞ makes its class's sum non-finite; only then is the batch scanned for the
        // position), and are added to the totals once checked. Where the partial would be large
        // (many classes present) the batch is scanned first instead and summed in place.
        boolean fused = (long) present.length * d <= FUSED_PARTIAL_MAX;
        if (!fused) {
            scanFinite(x, n);
        }
        double[] part = fused ? new double[present.length * d] : null;
        CpuBackend.parallelFor(present.length * colBlocks, task -> {
            int pi = task / colBlocks;
            int c = present[pi];
            int j0 = (task % colBlocks) * COLS;
            int j1 = Math.min(d, j0 + COLS);
            double[] out = fused ? part : sums;
            int base = (fused ? pi : c) * d + j0;
            if (dtype == DType.FLOAT32) {
                sumF32(x, g, c, j0, j1, out, base);
            } else {
                sumF64(x, g, c, j0, j1, out, base);
            }
        });
        if (fused) {
            for (double v : part) {
                if (!Double.isFinite(v)) {
                    scanFinite(x, n);
                    break;
                }
            }
            for (int pi = 0; pi < present.length; pi++) {
                int o = present[pi] * d;
                for (int j = 0; j < d; j++) {
                    sums[o + j] += part[pi * d + j];
                }
            }
        }
        for (int c : present) {
            counts[c] += g.count(c);
        }
    }

    /** Whether {@link #add} rejects non-finite values itself: always (see there). */
    @Override
    public boolean checksFinite() {
        return true;
    }

    /** Throws, naming the first non-finite value's row and column, if the batch holds one. */
    private void scanFinite(float[] x, int n) {
        for (int i = 0; i < n * d; i++) {
            if (!Float.isFinite(x[i])) {
                throw new IllegalArgumentException("non-finite value " + x[i] + " at row " + (i / d) + ", column " + (i % d));
            }
        }
    }

    /**
     * float32 partials about a reference point: each chunk sums {@code x − ref} with ref the
     * chunk's first row (a float, so the differences of rows near it are exact) and adds
     * {@code partial + rows·ref} to the float64 total (exact: 24 + 11 bits). Data far from the
     * origin then lose nothing beyond their own bits (issue 12, item 11).
     */
    private void sumF32(float[] x, Grouping g, int c, int j0, int j1, double[] sums, int base) {
        int w = j1 - j0;
        float[] acc = new float[w];
        float[] ref = new float[w];
        int[] order = g.order();
        int s = g.start(c);
        int e = g.end(c);
        for (int r0 = s; r0 < e; r0 += FLUSH) {
            int r1 = Math.min(e, r0 + FLUSH);
            java.util.Arrays.fill(acc, 0f);
            System.arraycopy(x, order[r0] * d + j0, ref, 0, w);
            int r = r0;
            // Four rows per sweep of the accumulator: a profile showed the one-row loop (a load and
            // a store of acc per element read) at several times a streaming read.
            for (; r + 3 < r1; r += 4) {
                int o0 = order[r] * d + j0;
                int o1 = order[r + 1] * d + j0;
                int o2 = order[r + 2] * d + j0;
                int o3 = order[r + 3] * d + j0;
                for (int j = 0; j < w; j++) {
                    float q = ref[j];
                    acc[j] += ((x[o0 + j] - q) + (x[o1 + j] - q)) + ((x[o2 + j] - q) + (x[o3 + j] - q));
                }
            }
            for (; r < r1; r++) {
                int off = order[r] * d + j0;
                for (int j = 0; j < w; j++) {
                    acc[j] += x[off + j] - ref[j];
                }
            }
            for (int j = 0; j < w; j++) {
                sums[base + j] += acc[j] + (double) (r1 - r0) * ref[j];
            }
        }
    }

    private void sumF64(float[] x, Grouping g, int c, int j0, int j1, double[] sums, int base) {
        int w = j1 - j0;
        double[] acc = new double[w];
        int[] order = g.order();
        for (int r = g.start(c); r < g.end(c); r++) {
            int off = order[r] * d + j0;
            for (int j = 0; j < w; j++) {
                acc[j] += x[off + j];
            }
        }
        for (int j = 0; j < w; j++) {
            sums[base + j] += acc[j];
        }
    }

    @Override
    public void reset() {
        java.util.Arrays.fill(sums, 0.0);
        java.util.Arrays.fill(counts, 0L);
    }

    @Override
    public void addTotals(double[] otherSums, long[] otherCounts) {
        for (int i = 0; i < sums.length; i++) {
            sums[i] += otherSums[i];
        }
        for (int c = 0; c < k; c++) {
            counts[c] += otherCounts[c];
        }
    }

    @Override
    public double[] sums() {
        return sums.clone();
    }

    @Override
    public long[] counts() {
        return counts.clone();
    }

    @Override
    public void close() {
        // heap only
    }
}
