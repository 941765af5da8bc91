package org.ncj.accumulate;

import java.util.Arrays;

import org.ncj.DType;
import org.ncj.backend.Backend;
import org.ncj.backend.Batch;
import org.ncj.backend.CentredStats;
import org.ncj.backend.ClassSums;

/**
 * One pass over the data for counts, class means, the pooled within-class covariance Σ_W and the
 * variance norms, where the Python package needs two (a second forward pass of the model).
 *
 * <p>Each batch is reduced to its own class statistics {@code (n_b, μ_b, S_b)} about its own class
 * means, then merged into the running ones with the parallel-variance update of Chan, Golub and
 * LeVeque: for class c, {@code δ = μ_b − μ_a}, {@code n = n_a + n_b}, {@code μ = μ_a + δ n_b/n},
 * {@code S = S_a + S_b + δδᵀ n_a n_b / n}. Only the pooled {@code Σ_c S_c} is kept (D×D), so the
 * merge adds the weighted rank-K correction {@code Σ_c δ_c δ_cᵀ n_a n_b / n}; variance norms use
 * the trace of the same update. Unlike the textbook {@code Σxxᵀ − nμμᵀ}, no large terms cancel:
 * this stays accurate for tight classes far from the origin (the {@code collapsed} golden case).
 *
 * <p>Partial results from threads, GPUs or machines combine with {@link #merge}.
 */
public final class ClassStatistics implements AutoCloseable {
    private final int k;
    private final int d;
    private final DType dtype;
    private final Backend backend;
    private final long[] counts;
    private final double[] means;
    private final double[] scatter;
    private final double[] varSums;
    /** The backend operations that reduce one batch, created on the first batch and reset for each. */
    private ClassSums batchSums;
    private CentredStats batchStats;
    private boolean closed;

    public ClassStatistics(int k, int d, Backend backend, DType dtype) {
        if (k < 1 || d < 1) {
            throw new IllegalArgumentException("K and D must be >= 1, got K = " + k + ", D = " + d);
        }
        this.k = k;
        this.d = d;
        this.dtype = dtype;
        this.backend = backend;
        this.counts = new long[k];
        this.means = new double[Math.multiplyExact(k, d)];
        this.scatter = new double[Math.multiplyExact(d, d)];
        this.varSums = new double[k];
    }

    /** State restored from saved parts (see {@link AccumulatorFiles}). */
    ClassStatistics(int k, int d, Backend backend, DType dtype, long[] counts, double[] means, double[] scatter, double[] varSums) {
        this(k, d, backend, dtype);
        System.arraycopy(counts, 0, this.counts, 0, k);
        System.arraycopy(means, 0, this.means, 0, means.length);
        System.arraycopy(scatter, 0, this.scatter, 0, scatter.length);
        System.arraycopy(varSums, 0, this.varSums, 0, k);
    }

    public int numClasses() {
        return k;
    }

    public int dim() {
        return d;
    }

    public DType dtype() {
        return dtype;
    }

    /** Adds a row-major batch (validated first: nothing changes if it is rejected). */
    public void accumulate(float[] x, int[] labels) {
        if (x.length % d != 0) {
            throw new IllegalArgumentException("batch of " + x.length + " floats is not a whole number of rows of D = " + d);
        }
        accumulate(Batch.of(x, x.length / d, d, labels));
    }

    /** Adds a batch (validated first: nothing changes if it is rejected). */
    public void accumulate(Batch batch) {
        ensureOpen();
        if (batch.d() != d) {
            throw new IllegalArgumentException("batch has dimension d = " + batch.d() + " but D = " + d);
        }
        if (batch.labels() == null) {
            throw new IllegalArgumentException("ClassStatistics needs labels");
        }
        Validation.labels(batch, k);
        if (batch.n() == 0) {
            return;
        }
        if (batchSums == null) {
            batchSums = backend.classSums(k, d, dtype);
        } else {
            batchSums.reset();
        }
        batchSums.add(batch);
        long[] nb = batchSums.counts();
        double[] mb = batchSums.sums();
        // The finite check fused into the class-sums pass: a NaN or ±∞ in the batch makes its
        // class's sum non-finite, and only then is the batch scanned for the position (the sums
        // are this batch's alone, so nothing has changed yet). A finite batch whose sum overflows
        // passes the scan, as before.
        for (double v : mb) {
            if (!Double.isFinite(v)) {
                Validation.finite(batch);
                break;
            }
        }
        for (int c = 0; c < k; c++) {
            if (nb[c] > 0) {
                for (int j = 0; j < d; j++) {
                    mb[c * d + j] /= nb[c];
                }
            }
        }
        if (batchStats == null) {
            batchStats = backend.centredStats(mb, k, d, dtype, true, true);
        } else {
            batchStats.reset(mb);
        }
        batchStats.add(batch);
        double[] sb = batchStats.scatter();
        double[] tb = batchStats.varNormSums();
        mergeParts(nb, mb, sb, tb);
    }

    /** Chan–Golub–LeVeque merge of another partial state (counts, means, pooled scatter, variance sums). */
    private void mergeParts(long[] nb, double[] mb, double[] sb, double[] tb) {
        for (int i = 0; i < scatter.length; i++) {
            scatter[i] += sb[i];
        }
        // The rank-K term Σ_c w_c δ_c δ_cᵀ as one Gram (backend.gram, a BLAS SYRK on the CPU) of
        // the rows √w_c δ_c, in chunks of MERGE_ROWS classes: per class as D² scalar updates it
        // cost a quarter of the one-pass time at K = 100, D = 512.
        int rows = Math.min(k, MERGE_ROWS);
        double[] scaled = new double[Math.multiplyExact(rows, d)];
        int m = 0;
        for (int c = 0; c < k; c++) {
            if (nb[c] == 0) {
                continue;
            }
            long na = counts[c];
            long n = na + nb[c];
            double w = na == 0 ? 0 : (double) na * nb[c] / n;
            double sw = Math.sqrt(w);
            double dd = 0;
            for (int j = 0; j < d; j++) {
                double delta = mb[c * d + j] - means[c * d + j];
                dd += delta * delta;
                scaled[m * d + j] = sw * delta;
                means[c * d + j] = na == 0 ? mb[c * d + j] : means[c * d + j] + delta * ((double) nb[c] / n);
            }
            if (w != 0 && ++m == rows) {
                addGram(scaled, m);
                m = 0;
            }
            varSums[c] += tb[c] + w * dd;
            counts[c] = n;
        }
        if (m > 0) {
            addGram(scaled, m);
        }
    }

    /** Classes per Gram of the merge (bounds its buffer to MERGE_ROWS × D doubles). */
    private static final int MERGE_ROWS = 1024;

    private void addGram(double[] rows, int m) {
        double[] g = backend.gram(m * d == rows.length ? rows : java.util.Arrays.copyOf(rows, m * d), m, d);
        for (int i = 0; i < g.length; i++) {
            scatter[i] += g[i];
        }
    }

    /** Merges another one-pass state of the same K and D: the result equals one stream of both. */
    public void merge(ClassStatistics other) {
        ensureOpen();
        if (other.k != k || other.d != d) {
            throw new IllegalArgumentException("cannot merge K x D = " + other.k + " x " + other.d + " into " + k + " x " + d);
        }
        mergeParts(other.counts.clone(), other.means.clone(), other.scatter.clone(), other.varSums.clone());
    }

    /** Per-class counts (a copy). */
    public long[] counts() {
        return counts.clone();
    }

    /** Class means with the unweighted global mean over the classes with samples. */
    public Means means() {
        return means(GlobalMean.UNWEIGHTED, ClassFilter.PRESENT);
    }

    public Means means(GlobalMean kind, ClassFilter filter) {
        ensureOpen();
        double[] m = means.clone();
        for (int c = 0; c < k; c++) {
            if (counts[c] == 0) {
                Arrays.fill(m, c * d, (c + 1) * d, Double.NaN);
            }
        }
        return new Means(k, d, dtype, counts.clone(), m, kind, filter);
    }

    /** Σ_W about {@code means} (which must be this state's {@link #means()}, for any filter). */
    public Covariance covariance(Means m) {
        ensureOpen();
        long n = Arrays.stream(counts).sum();
        if (n == 0) {
            throw new IllegalStateException("ClassStatistics is empty: no samples accumulated");
        }
        double[] s = scatter.clone();
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                // The merges add outer products symmetrically; average the two triangles' rounding.
                s[i * d + j] = (scatter[i * d + j] + scatter[j * d + i]) / (2.0 * n);
            }
        }
        return new Covariance(s, n, d, m);
    }

    /** Variance norms about {@code means}. */
    public VarNorms varNorms(Means m) {
        ensureOpen();
        double[] v = new double[k];
        for (int c = 0; c < k; c++) {
            v[c] = counts[c] == 0 ? Double.NaN : varSums[c] / counts[c];
        }
        return new VarNorms(v, counts.clone(), m);
    }

    /** Writes the full one-pass state to {@code file}; see {@link AccumulatorFiles}. */
    public void save(java.nio.file.Path file) throws java.io.IOException {
        ensureOpen();
        java.util.Map<String, Object> a = new java.util.LinkedHashMap<>();
        a.put("counts", counts);
        a.put("means", means);
        a.put("scatter", scatter);
        a.put("var_sums", varSums);
        AccumulatorFiles.write(file, "ClassStatistics", k, d, dtype, a);
    }

    /**
     * A new one-pass state holding what was saved in {@code file}, to continue or merge.
     *
     * @throws java.io.IOException when the file holds another kind, K, D, dtype or format version
     */
    public static ClassStatistics load(java.nio.file.Path file, int k, int d, Backend backend, DType dtype)
            throws java.io.IOException {
        AccumulatorFiles.State s = AccumulatorFiles.read(file, "ClassStatistics", k, d, dtype);
        long[] c = s.longs(file, "counts");
        double[] m = s.doubles(file, "means");
        double[] sc = s.doubles(file, "scatter");
        double[] v = s.doubles(file, "var_sums");
        if (c.length != k || m.length != (long) k * d || sc.length != (long) d * d || v.length != k) {
            throw new java.io.IOException(file + ": array sizes do not match K = " + k + ", D = " + d);
        }
        return new ClassStatistics(k, d, backend, dtype, c, m, sc, v);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("ClassStatistics is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            throw new IllegalStateException("ClassStatistics closed twice");
        }
        closed = true;
        try {
            if (batchSums != null) {
                batchSums.close();
            }
        } finally {
            if (batchStats != null) {
                batchStats.close();
            }
        }
    }
}
