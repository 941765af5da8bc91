package org.ncj.backend.cpu;

import org.ncj.DType;
import org.ncj.backend.Batch;
import org.ncj.backend.ClassSums;

/**
 * Class sums in one of two passes. Streamed (where the partials fit a bound): the batch is read in
 * its own order in fixed chunks, each summing into its own partial per present class, added in
 * chunk order. Grouped (otherwise): rows are grouped by label by counting sort, then each (class,
 * column block) is summed in row order by one task. No shared partials, no atomics, and a fixed
 * order of additions, so results do not depend on the number of threads.
 *
 * <p>Both working types add into float64: a float32 value is exact in float64, so data far from
 * the origin lose nothing beyond their own bits and no class sum leaves the range. It is also the
 * fast accumulator: a profile put the class-sums time in the float32 accumulator loop, which C2
 * does not vectorise (it cannot rule out that the float accumulator and the float rows, read at
 * a row offset, overlap): ~0.3 ns per element against ~0.08 for a float64 accumulator, which
 * cannot alias a float array; on the whole pass 2.2–2.4 against 3.1–6.2 times a streaming read.
 */
final class CpuClassSums implements ClassSums {
    /**
     * Columns per task: whole rows up to D = 512 (with 256, each task read 1 KB pieces of rows
     * scattered through the batch, slower than whole rows in the same run).
     */
    private static final int COLS = 512;
    /**
     * Rows per chunk of the streamed pass (few classes present): a sixteenth of the batch, between
     * 1024 and 8192 rows. 8192 ran at 0.75–0.8 the time of 2048 on 131,072 rows (K = 10, D = 512:
     * fewer partials to allocate, fill and add), but a batch of 4096 rows needs more than one chunk
     * to use more than one core. The chunk depends on the batch alone, never on the thread count.
     */
    private static int chunkRows(int n) {
        return Math.max(1024, Math.min(8192, (n + 15) / 16));
    }
    /**
     * Rows per chunk of the streamed pass for a batch of n rows whose partials hold m doubles each
     * (present classes × D), or 0 for the grouped pass: {@link #chunkRows}, or fewer and longer
     * chunks where theirs would pass the bound on all partials, as long as two fit (one chunk
     * would leave the other cores idle). Like the chunks, it depends on the batch alone. At
     * K = 1000, D = 512 on 131,072 rows (4 MB partials), two chunks took 1.29 and four 1.39 the
     * time of a streaming read, the grouped pass 2.35, and 8 or 16 chunks 3.3 and 4.8 (probe
     * SumProbe2): the partials compete with the stream for L3.
     */
    static int streamChunkRows(int n, long m, long bound) {
        int chunk = chunkRows(n);
        long chunks = (n + chunk - 1) / chunk;
        if (chunks * m <= bound) {
            return chunk;
        }
        long most = bound / m;
        return most < 2 ? 0 : (int) ((n + most - 1) / most);
    }

    /**
     * Largest total of the streamed pass's chunk partials (chunks × present classes × D doubles,
     * 8 MB, a quarter of this machine's L3). At K = 1000, D = 512 on 131,072 rows it allows two
     * chunks: 1.38–1.55 the time of a streaming read, against 1.60–1.90 for four under 16 MB
     * (alternating runs). Two chunks keep two cores busy; on many more cores the grouped pass
     * may be faster for such partials (not measured: this machine has two).
     */
    static final long STREAM_PARTIALS_MAX = 1 << 20;
    /** Largest batch partial (present classes × D doubles, 8 MB) for the fused finite check. */
    private static final long FUSED_PARTIAL_MAX = 1 << 20;

    private final int k;
    private final int d;
    private final long streamPartialsMax;
    private final double[] sums;
    private final long[] counts;

    /** {@code dtype} does not change the arithmetic: both types add into float64 (see above). */
    CpuClassSums(int k, int d, DType dtype) {
        this(k, d, STREAM_PARTIALS_MAX);
    }

    /** With an explicit bound on the streamed pass's partials (0: always the grouped pass), for tests. */
    CpuClassSums(int k, int d, long streamPartialsMax) {
        this.streamPartialsMax = streamPartialsMax;
        this.k = k;
        this.d = d;
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
        double[] part = fused ? zeroed(0, present.length * d) : null;
        int chunk = fused ? streamChunkRows(n, (long) present.length * d, streamPartialsMax) : 0;
        if (chunk > 0) {
            streamed(x, y, n, present, chunk, (n + chunk - 1) / chunk, part);
        } else {
            int[] order = g.order();
            CpuBackend.parallelFor(present.length * colBlocks, task -> {
                int pi = task / colBlocks;
                int c = present[pi];
                int j0 = (task % colBlocks) * COLS;
                int j1 = Math.min(d, j0 + COLS);
                double[] out = fused ? part : sums;
                int base = (fused ? pi : c) * d + j0;
                sum(x, order, g.start(c), g.end(c), j0, j1, out, base);
            });
        }
        if (fused) {
            for (int i = 0; i < present.length * d; i++) {
                if (!Double.isFinite(part[i])) {
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

    /**
     * Partials within the bound: the rows are read in their own order (a stream) in fixed chunks
     * ({@link #streamChunkRows}), each chunk adding its rows into its own partial per present class, and
     * the chunks' partials are added in chunk order. The grouped pass reads each class's rows
     * scattered through the batch; at K = 10 it took 2.2 times a streaming read in the same run.
     * The chunks do not depend on the number of threads, so neither do the sums.
     */
    private void streamed(float[] x, int[] y, int n, int[] present, int chunk, int chunks, double[] part) {
        int[] slot = new int[k];
        for (int pi = 0; pi < present.length; pi++) {
            slot[present[pi]] = pi * d;
        }
        int m = present.length * d;
        // The first chunk sums into part itself (zero, so 0 + p₀ is p₀ bit for bit); the others'
        // partials are added to it in chunk order, element ranges in parallel.
        double[][] partials = new double[chunks][];
        CpuBackend.parallelFor(chunks, ch -> {
            double[] p = ch == 0 ? part : zeroed(ch, m);
            int r1 = Math.min(n, (ch + 1) * chunk);
            for (int r = ch * chunk; r < r1; r++) {
                int o = r * d;
                int po = slot[y[r]];
                for (int j = 0; j < d; j++) {
                    p[po + j] += x[o + j];
                }
            }
            partials[ch] = p;
        });
        if (chunks > 1) {
            int ranges = (m + MERGE_RANGE - 1) / MERGE_RANGE;
            CpuBackend.parallelFor(ranges, t -> {
                int i1 = Math.min(m, (t + 1) * MERGE_RANGE);
                for (int ch = 1; ch < chunks; ch++) {
                    double[] p = partials[ch];
                    for (int i = t * MERGE_RANGE; i < i1; i++) {
                        part[i] += p[i];
                    }
                }
            });
        }
    }

    /**
     * Buffer i (0: the batch partial, i ≥ 1: chunk i's partial) with its first m doubles zeroed,
     * kept for the next batch: at K = 1000, D = 512 each is 4 MB, which a fresh array would take
     * from the heap's humongous regions on every batch. Buffer i ≥ 1 serves only batches of more
     * than i chunks, so it holds at most 8 MB / (i + 1) ({@link #STREAM_PARTIALS_MAX}); the batch
     * partial at most 8 MB (12 MB in all at K = 1000, D = 512; 0.6 MB at K = 10).
     */
    private double[] zeroed(int i, int m) {
        double[] b;
        synchronized (buffers) {
            while (buffers.size() <= i) {
                buffers.add(new double[0]);
            }
            b = buffers.get(i);
            if (b.length < m) {
                b = new double[m];
                buffers.set(i, b);
                return b;
            }
        }
        java.util.Arrays.fill(b, 0, m, 0.0);
        return b;
    }

    /** See {@link #zeroed}. */
    private final java.util.List<double[]> buffers = new java.util.ArrayList<>();

    /** Elements of the streamed pass's partials merged per task (256 KB of doubles). */
    private static final int MERGE_RANGE = 1 << 15;

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
     * Adds the rows {@code order[r0, r1)} (one class's), columns [j0, j1), in row order into {@code sums[base..]}. Four rows
     * per sweep of the accumulator (a load and a store per element read, not per row), each
     * element's additions still in row order, so the result is that of the one-row loop.
     */
    private void sum(float[] x, int[] order, int r0, int r1, int j0, int j1, double[] sums, int base) {
        int w = j1 - j0;
        double[] acc = new double[w];
        int r = r0;
        int e = r1;
        for (; r + 3 < e; r += 4) {
            int o0 = order[r] * d + j0;
            int o1 = order[r + 1] * d + j0;
            int o2 = order[r + 2] * d + j0;
            int o3 = order[r + 3] * d + j0;
            for (int j = 0; j < w; j++) {
                acc[j] = (((acc[j] + x[o0 + j]) + x[o1 + j]) + x[o2 + j]) + x[o3 + j];
            }
        }
        for (; r < e; r++) {
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
