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
 *
 * <p>Threads: one at a time. A call that arrives while another thread is inside a method throws
 * {@link java.util.ConcurrentModificationException} at once and changes nothing; to feed from many
 * threads give each its own {@code ClassStatistics} (one {@link Backend} may serve all) and merge
 * them at the end (counts exact, the rest as one stream within rounding).
 */
public final class ClassStatistics implements AutoCloseable {
    private static final String KIND = "ClassStatistics";
    private final int k;
    private final int d;
    private final DType dtype;
    private final Backend backend;
    private final long[] counts;
    private final double[] means;
    private final double[] scatter;
    private final double[] varSums;
    /** Merge rows √w_c δ_c whose Gram is not yet in {@link #scatter} (see {@link #flushGram}). */
    private double[] pending;
    private int pendingRows;
    /** The backend operations that reduce one batch, created on the first batch and reset for each. */
    private ClassSums batchSums;
    private CentredStats batchStats;
    private boolean closed;
    private final UseGuard guard = new UseGuard("ClassStatistics");

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
        guard.enter();
        try {
            accumulateNow(batch);
        } finally {
            guard.exit();
        }
    }

    private void accumulateNow(Batch batch) {
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
        int exp = Rescale.exponent(mb, nb, k, d, dtype);
        double[] scaledMeans = Rescale.scaled(mb, exp);
        if (batchStats == null) {
            batchStats = backend.centredStats(scaledMeans, k, d, dtype, true, true);
        } else {
            batchStats.reset(scaledMeans);
        }
        batchStats.add(Rescale.scaled(batch, exp));
        double[] tb = Rescale.unscale(batchStats.varNormSums(), -2 * exp);
        if (exp == 0) {
            batchStats.addScatterTo(scatter);
            mergeParts(nb, mb, null, tb);
        } else {
            mergeParts(nb, mb, Rescale.unscale(batchStats.scatter(), -2 * exp), tb);
        }
    }

    /**
     * Chan–Golub–LeVeque merge of another partial state (counts, means, pooled scatter or null
     * when already added, variance sums).
     */
    private void mergeParts(long[] nb, double[] mb, double[] sb, double[] tb) {
        if (sb != null) {
            for (int i = 0; i < scatter.length; i++) {
                scatter[i] += sb[i];
            }
        }
        // The rank-K term Σ_c w_c δ_c δ_cᵀ as one Gram (backend.gram, a BLAS SYRK on the CPU) of
        // the rows √w_c δ_c, gathered over merges until the buffer is full or the scatter is read:
        // per class as D² scalar updates it cost a quarter of the one-pass time at K = 100,
        // D = 512, and one Gram per batch (a fresh D×D result each) still a tenth.
        if (pending == null) {
            pending = new double[Math.multiplyExact(pendingCapacity(d), d)];
        }
        int rows = pending.length / d;
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
                pending[pendingRows * d + j] = sw * delta;
                means[c * d + j] = na == 0 ? mb[c * d + j] : means[c * d + j] + delta * ((double) nb[c] / n);
            }
            if (w != 0 && ++pendingRows == rows) {
                flushGram();
            }
            varSums[c] += tb[c] + w * dd;
            counts[c] = n;
        }
    }

    /** Rows per Gram of the merge: up to 1024, and at most 2²⁰ doubles (8 MB) in all. */
    private static int pendingCapacity(int d) {
        return Math.max(1, Math.min(1024, (1 << 20) / d));
    }

    /** Adds the Gram of the pending merge rows to {@link #scatter}; every reader of the scatter calls it first. */
    private void flushGram() {
        if (pendingRows == 0) {
            return;
        }
        int m = pendingRows;
        double[] g = backend.gram(m * d == pending.length ? pending : java.util.Arrays.copyOf(pending, m * d), m, d);
        for (int i = 0; i < g.length; i++) {
            scatter[i] += g[i];
        }
        pendingRows = 0;
    }

    /**
     * Merges another one-pass state of the same K, D and dtype: the result equals one stream of both.
     *
     * @throws IllegalArgumentException for another shape or dtype, or {@code other == this}
     * @throws java.util.ConcurrentModificationException when either is in use by another thread
     */
    public void merge(ClassStatistics other) {
        if (other == this) {
            throw new IllegalArgumentException("cannot merge a ClassStatistics into itself: that would count every row twice");
        }
        if (other.k != k || other.d != d) {
            throw new IllegalArgumentException("cannot merge K x D = " + other.k + " x " + other.d + " into " + k + " x " + d);
        }
        if (other.dtype != dtype) {
            throw new IllegalArgumentException("cannot merge a " + other.dtype + " ClassStatistics into a " + dtype
                    + " one: accumulate both in the same dtype");
        }
        guard.enter();
        try {
            other.guard.enter();
            try {
                ensureOpen();
                other.ensureOpen();
                other.flushGram();
                mergeParts(other.counts.clone(), other.means.clone(), other.scatter.clone(), other.varSums.clone());
            } finally {
                other.guard.exit();
            }
        } finally {
            guard.exit();
        }
    }

    /** Runs a read of the state under the one-thread guard, on an open state. */
    private <T> T use(java.util.function.Supplier<T> op) {
        guard.enter();
        try {
            ensureOpen();
            return op.get();
        } finally {
            guard.exit();
        }
    }

    /** Per-class counts (a copy). */
    public long[] counts() {
        return use(counts::clone);
    }

    /** Class means with the unweighted global mean over the classes with samples. */
    public Means means() {
        return means(GlobalMean.UNWEIGHTED, ClassFilter.PRESENT);
    }

    public Means means(GlobalMean kind, ClassFilter filter) {
        return use(() -> meansNow(kind, filter));
    }

    private Means meansNow(GlobalMean kind, ClassFilter filter) {
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
        return use(() -> covarianceNow(m));
    }

    private Covariance covarianceNow(Means m) {
        long n = Arrays.stream(counts).sum();
        if (n == 0) {
            throw new IllegalStateException("ClassStatistics is empty: no samples accumulated");
        }
        flushGram();
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
        return use(() -> varNormsNow(m));
    }

    private VarNorms varNormsNow(Means m) {
        double[] v = new double[k];
        for (int c = 0; c < k; c++) {
            v[c] = counts[c] == 0 ? Double.NaN : varSums[c] / counts[c];
        }
        return new VarNorms(v, counts.clone(), m);
    }

    /** Writes the full one-pass state to {@code file}; see {@link AccumulatorFiles}. */
    public void save(java.nio.file.Path file) throws java.io.IOException {
        AccumulatorFiles.write(file, KIND, k, d, dtype, state());
    }

    /** Writes the same bytes as {@link #save(java.nio.file.Path)} to {@code out} (not closed). */
    public void save(java.io.OutputStream out) throws java.io.IOException {
        AccumulatorFiles.write(out, KIND, k, d, dtype, state());
    }

    /** The full state as bytes, the same as {@link #save(java.nio.file.Path)} writes. */
    public byte[] toBytes() {
        return AccumulatorFiles.toBytes(KIND, k, d, dtype, state());
    }

    private java.util.Map<String, Object> state() {
        return use(() -> {
            flushGram();
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("counts", counts.clone());
            m.put("means", means.clone());
            m.put("scatter", scatter.clone());
            m.put("var_sums", varSums.clone());
            return m;
        });
    }

    /**
     * A new one-pass state holding what was saved in {@code file}, to continue or merge.
     *
     * @throws java.io.IOException when the file holds another kind, K, D, dtype or format version
     */
    public static ClassStatistics load(java.nio.file.Path file, int k, int d, Backend backend, DType dtype)
            throws java.io.IOException {
        return restore(AccumulatorFiles.read(file, KIND, k, d, dtype), backend);
    }

    /** Reads one state from {@code in} (left just after it, not closed); see {@link #load(java.nio.file.Path, int, int, Backend, DType)}. */
    public static ClassStatistics load(java.io.InputStream in, int k, int d, Backend backend, DType dtype)
            throws java.io.IOException {
        return restore(AccumulatorFiles.read(in, AccumulatorFiles.STREAM, KIND, k, d, dtype), backend);
    }

    /** The state {@link #toBytes()} gave; see {@link #load(java.nio.file.Path, int, int, Backend, DType)}. */
    public static ClassStatistics fromBytes(byte[] bytes, int k, int d, Backend backend, DType dtype)
            throws java.io.IOException {
        return restore(AccumulatorFiles.read(bytes, KIND, k, d, dtype), backend);
    }

    private static ClassStatistics restore(AccumulatorFiles.State s, Backend backend) throws java.io.IOException {
        int k = s.k();
        int d = s.d();
        long[] c = s.counts("counts", k);
        double[] m = s.sums("means", (long) k * d, false);
        double[] sc = s.sums("scatter", (long) d * d, false);
        double[] v = s.sums("var_sums", k, true);
        s.emptyClassesZero(c, m, d, "means");
        s.emptyClassesZero(c, v, 1, "var_sums");
        return new ClassStatistics(k, d, backend, s.dtype(), c, m, sc, v);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("ClassStatistics is closed");
        }
    }

    /** Releases the backend operations; closing again does nothing. */
    @Override
    public void close() {
        guard.enter();
        try {
            if (closed) {
                return;
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
        } finally {
            guard.exit();
        }
    }
}
