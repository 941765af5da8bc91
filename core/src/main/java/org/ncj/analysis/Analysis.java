package org.ncj.analysis;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import org.ncj.DType;
import org.ncj.accumulate.Agreement;
import org.ncj.accumulate.ClassFilter;
import org.ncj.accumulate.ClassStatistics;
import org.ncj.accumulate.Classifier;
import org.ncj.accumulate.Covariance;
import org.ncj.accumulate.DecAccumulator;
import org.ncj.accumulate.GlobalMean;
import org.ncj.accumulate.MeanAccumulator;
import org.ncj.accumulate.Means;
import org.ncj.accumulate.VarNorms;
import org.ncj.accumulate.WithinClassAccumulator;
import org.ncj.backend.Backend;
import org.ncj.io.BadInputException;
import org.ncj.io.Tensor2D;
import org.ncj.measure.MetricSet;
import org.ncj.measure.Statistics;

/**
 * One neural-collapse analysis (Papyan, Han and Donoho 2020, NC1–NC5; definitions in
 * {@code docs/METRICS.md}): the training set streamed in batches for the class means, then Σ_W
 * and the variance norms about them ({@link WithinClassAccumulator}, one staging of each batch),
 * or all three in one pass ({@link ClassStatistics}); the classifier's decisions on the
 * evaluation set; the OOD mean; and every measure those statistics allow ({@link MetricSet}).
 *
 * <pre>{@code
 * try (Analysis a = Analysis.builder().backend("auto").dtype(DType.FLOAT64).build()) {
 *     Analysis.Result r = a.run(Analysis.Inputs.train(Analysis.Data.of("train", x, d, y))
 *             .withClassifier(Classifier.of(w, k, d)));
 *     System.out.println(r.metrics().toJson());
 * }
 * }</pre>
 *
 * <p>Bad data is a {@link BadInputException} naming the file (a {@link Tensor2D}'s name) and the
 * row; nothing is returned and every accumulator of the run is closed, so the analysis can run
 * again. The same passes are what {@link org.ncj.accumulate.MeanAccumulator} and the other
 * accumulators of the Python package's vocabulary give when fed by hand.
 *
 * <p>Threads: one run at a time.
 */
public final class Analysis implements AutoCloseable {

    /** Classes inferred from labels above which a sparse labelling is refused ({@link #classesFromLabels}). */
    public static final int SPARSE_K = 1024;

    /**
     * Embeddings with their labels, paired by row.
     *
     * @param x embeddings (N, D), read as float32
     * @param y labels (N) in [0, K), or null (OOD data without labels)
     */
    public record Data(Tensor2D x, Tensor2D y) {
        public Data {
            Objects.requireNonNull(x, "x");
        }

        public static Data of(Tensor2D x, Tensor2D y) {
            return new Data(x, y);
        }

        /**
         * Row-major float32 embeddings of dimension {@code d} with their labels, held in memory;
         * {@code name} is what error messages name ({@code name} for x, {@code name + "_y"} for y).
         */
        public static Data of(String name, float[] x, int d, int[] y) {
            return of(name, x, d, name + "_y", y);
        }

        /** In-memory embeddings and labels, each with the name error messages give it. */
        public static Data of(String xName, float[] x, int d, String yName, int[] y) {
            return new Data(ArrayTensor.floats(xName, x, d), y == null ? null : ArrayTensor.ints(yName, y));
        }

        /** Unlabelled in-memory embeddings (OOD data). */
        public static Data unlabelled(String name, float[] x, int d) {
            return of(name, x, d, null);
        }
    }

    /**
     * What one run measures.
     *
     * @param classes    K, or null: the classifier's rows, else the largest training label + 1
     *                   ({@link #classesFromLabels})
     * @param test       evaluation set for NC4, or null to use the training set
     * @param classifier the last layer, or null (no NC3/NC4)
     * @param ood        out-of-distribution data, or null (no NC5)
     */
    public record Inputs(Integer classes, Data train, Data test, Classifier classifier, Data ood) {
        public Inputs {
            Objects.requireNonNull(train, "train");
            if (train.y() == null) {
                throw new IllegalArgumentException("the training set needs labels");
            }
            if (test != null && test.y() == null) {
                throw new IllegalArgumentException("the evaluation set needs labels");
            }
            if (classes != null && classes < 1) {
                throw new IllegalArgumentException("K must be >= 1, got " + classes);
            }
        }

        public static Inputs train(Data train) {
            return new Inputs(null, train, null, null, null);
        }

        public Inputs withClasses(int k) {
            return new Inputs(k, train, test, classifier, ood);
        }

        public Inputs withTest(Data t) {
            return new Inputs(classes, train, t, classifier, ood);
        }

        public Inputs withClassifier(Classifier c) {
            return new Inputs(classes, train, test, c, ood);
        }

        public Inputs withOod(Data o) {
            return new Inputs(classes, train, test, classifier, o);
        }
    }

    /**
     * The statistics and measures of one run.
     *
     * @param k                the number of classes K
     * @param statistics       what the measures were computed from
     * @param metrics          the measures, with notes
     * @param oodMeans         the OOD per-label means (one class without OOD labels), or null without OOD data
     * @param agreementOnTrain whether NC4 was measured on the training set (no evaluation set)
     * @param seconds          wall time per phase ({@code scan}, {@code means}, {@code covariance} or
     *                         {@code one_pass}, {@code decisions}, {@code ood}, {@code measures})
     */
    public record Result(int k, Statistics statistics, Metrics metrics, Means oodMeans, boolean agreementOnTrain,
                         Map<String, Double> seconds) {
        public Result {
            seconds = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(seconds));
        }

        public Means means() {
            return statistics.means();
        }

        public Covariance sw() {
            return statistics.sw();
        }

        public VarNorms varNorms() {
            return statistics.varNorms();
        }

        public Classifier classifier() {
            return statistics.classifier();
        }

        public Agreement agreement() {
            return statistics.agreement();
        }

        public double[] oodMean() {
            return statistics.oodMean();
        }
    }

    /** Settings of an analysis; {@link #build()} opens the backend when given by name. */
    public static final class Builder {
        private Backend backend;
        private String backendName = "auto";
        private DType dtype = DType.FLOAT32;
        private ClassFilter filter = ClassFilter.PRESENT;
        private MetricSet.Options options = MetricSet.Options.DEFAULT;
        private int batchRows = 4096;
        private boolean onePass;
        private ProgressListener progress = ProgressListener.NONE;

        private Builder() {
        }

        /** A backend the caller owns (and closes after the analysis). */
        public Builder backend(Backend b) {
            this.backend = Objects.requireNonNull(b, "backend");
            this.backendName = null;
            return this;
        }

        /** A backend by name ({@code auto}, {@code cpu}, {@code cuda}), opened by {@link #build()} and closed with the analysis. */
        public Builder backend(String name) {
            this.backendName = Objects.requireNonNull(name, "name");
            this.backend = null;
            return this;
        }

        /** Accumulation precision (default float32). */
        public Builder dtype(DType t) {
            this.dtype = Objects.requireNonNull(t, "dtype");
            return this;
        }

        /** Which classes the measures use (default: those with samples). */
        public Builder classFilter(ClassFilter f) {
            this.filter = Objects.requireNonNull(f, "filter");
            return this;
        }

        public Builder options(MetricSet.Options o) {
            this.options = Objects.requireNonNull(o, "options");
            return this;
        }

        /** Rows per batch read from the inputs (default 4096). */
        public Builder batchRows(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("batchRows must be >= 1, got " + n);
            }
            this.batchRows = n;
            return this;
        }

        /**
         * Means, Σ_W and variance norms from one pass over the training set (Chan–Golub–LeVeque
         * merges, {@link ClassStatistics}) instead of two (the reference; default).
         */
        public Builder onePass(boolean one) {
            this.onePass = one;
            return this;
        }

        public Builder progress(ProgressListener p) {
            this.progress = Objects.requireNonNull(p, "progress");
            return this;
        }

        public Analysis build() {
            boolean owned = backend == null;
            return new Analysis(owned ? Backend.byName(backendName) : backend, owned, this);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    private final Backend backend;
    private final boolean ownsBackend;
    private final DType dtype;
    private final ClassFilter filter;
    private final MetricSet.Options options;
    private final int batchRows;
    private final boolean onePass;
    private final ProgressListener progress;
    /** Phase times of the run under way, or of label scans made before the next run. */
    private Map<String, Double> seconds = new LinkedHashMap<>();

    private Analysis(Backend backend, boolean owned, Builder b) {
        this.backend = backend;
        this.ownsBackend = owned;
        this.dtype = b.dtype;
        this.filter = b.filter;
        this.options = b.options;
        this.batchRows = b.batchRows;
        this.onePass = b.onePass;
        this.progress = b.progress;
    }

    public Backend backend() {
        return backend;
    }

    public DType dtype() {
        return dtype;
    }

    public boolean onePass() {
        return onePass;
    }

    /**
     * Runs the analysis on data held here (files, arrays), streamed in batches.
     *
     * @throws BadInputException naming the file (and row) of bad data: a label outside [0, K), a
     *                           non-finite value, no samples, degenerate statistics
     */
    public Result run(Inputs in) throws IOException {
        try {
            Data train = in.train();
            int d = train.x().cols();
            checkRows(train);
            if (in.test() != null) {
                checkDim(in.test().x(), d, train.x());
                checkRows(in.test());
            }
            if (in.ood() != null) {
                checkDim(in.ood().x(), d, train.x());
                checkRows(in.ood());
            }
            checkClassifier(in.classifier(), d, train.x().name());
            return runNow(new LocalPasses(in), in.classes(), in.classifier());
        } finally {
            seconds = new LinkedHashMap<>();
        }
    }

    /**
     * Runs the analysis on data read by {@code passes} (the Spark module's partitions, say): the
     * same phases, checks and results as {@link #run(Inputs)}.
     *
     * @param classes    K, or null: the classifier's rows, else the largest training label + 1
     * @param classifier the last layer, or null (no NC3/NC4)
     */
    public Result run(Passes passes, Integer classes, Classifier classifier) throws IOException {
        try {
            return runNow(passes, classes, classifier);
        } finally {
            seconds = new LinkedHashMap<>();
        }
    }

    private Result runNow(Passes p, Integer classes, Classifier classifier) throws IOException {
        if (classifier != null && classes != null && classifier.k() != classes) {
            throw new IllegalArgumentException("the classifier has K = " + classifier.k() + " rows but K = " + classes
                    + " was given");
        }
        int k;
        long t;
        if (classifier != null) {
            k = classifier.k();
        } else if (classes != null) {
            k = classes;
        } else {
            t = System.nanoTime();
            k = p.trainingClasses();
            lap("scan", t);
        }
        Means means;
        Covariance sw;
        VarNorms vn;
        t = System.nanoTime();
        if (onePass) {
            try (ClassStatistics st = p.onePass(k, backend, dtype)) {
                checkClassifier(classifier, p.dim(), p.trainEmbeddingsName());
                means = means(p, () -> st.means(GlobalMean.UNWEIGHTED, filter));
                sw = st.covariance(means);
                vn = st.varNorms(means);
            }
            lap("one_pass", t);
        } else {
            try (MeanAccumulator acc = p.means(k, backend, dtype)) {
                checkClassifier(classifier, p.dim(), p.trainEmbeddingsName());
                means = means(p, () -> acc.compute(GlobalMean.UNWEIGHTED, filter));
            }
            lap("means", t);
            t = System.nanoTime();
            try (WithinClassAccumulator wc = p.withinClass(means, backend)) {
                sw = wc.covariance();
                vn = wc.varNorms();
            }
            lap("covariance", t);
        }
        Statistics stats = Statistics.of(means).withWithinClass(sw, vn).withClassifier(classifier);
        if (classifier != null) {
            t = System.nanoTime();
            try (DecAccumulator dec = p.decisions(means, classifier, backend)) {
                stats = stats.withAgreement(dec.compute());
            }
            lap("decisions", t);
        }
        Means oodMeans = null;
        if (p.hasOod()) {
            t = System.nanoTime();
            int kOod = 1;
            if (p.oodLabelled()) {
                long ts = System.nanoTime();
                kOod = Math.max(1, p.oodClasses());
                lap("scan", ts);
            }
            try (MeanAccumulator acc = p.oodMeans(kOod, backend, dtype)) {
                oodMeans = acc.compute();
            }
            stats = stats.withOodMean(oodMeans.globalMean());
            lap("ood", t);
        }
        t = System.nanoTime();
        Metrics metrics = measure(backend, stats, options, p.trainEmbeddingsName());
        lap("measures", t);
        return new Result(k, stats, metrics, oodMeans, !p.hasTest(), seconds);
    }

    private static void checkClassifier(Classifier classifier, int d, String trainX) throws BadInputException {
        if (classifier != null && classifier.d() != d) {
            throw new BadInputException(trainX, "rows have D = " + d + " but the classifier's weights have D = "
                    + classifier.d() + ": weights must be (K, D)");
        }
    }

    /** The passes over data held here: {@link Tensor2D}s streamed in batches of {@link Builder#batchRows}. */
    private final class LocalPasses implements Passes {
        private final Inputs in;

        LocalPasses(Inputs in) {
            this.in = in;
        }

        @Override
        public String trainEmbeddingsName() {
            return in.train().x().name();
        }

        @Override
        public String trainLabelsName() {
            return in.train().y().name();
        }

        @Override
        public boolean hasTest() {
            return in.test() != null;
        }

        @Override
        public boolean hasOod() {
            return in.ood() != null;
        }

        @Override
        public boolean oodLabelled() {
            return in.ood() != null && in.ood().y() != null;
        }

        @Override
        public int trainingClasses() throws IOException {
            return scanClasses(in.train().y(), "training", "if that is intended, give K = {K}");
        }

        @Override
        public int dim() {
            return in.train().x().cols();
        }

        @Override
        public MeanAccumulator means(int k, Backend be, DType dt) throws IOException {
            return filled(new MeanAccumulator(k, dim(), be, dt), acc -> stream("means", in.train(), k, acc::accumulate));
        }

        @Override
        public ClassStatistics onePass(int k, Backend be, DType dt) throws IOException {
            return filled(new ClassStatistics(k, dim(), be, dt), st -> stream("one pass", in.train(), k, st::accumulate));
        }

        @Override
        public WithinClassAccumulator withinClass(Means means, Backend be) throws IOException {
            return filled(new WithinClassAccumulator(be, means),
                    wc -> stream("covariance", in.train(), means.numClasses(), (x, y) -> wc.accumulate(x, y, means)));
        }

        @Override
        public DecAccumulator decisions(Means means, Classifier classifier, Backend be) throws IOException {
            return filled(new DecAccumulator(be, means, classifier),
                    dec -> stream("decisions", in.test() != null ? in.test() : in.train(), means.numClasses(), dec::accumulate));
        }

        @Override
        public int oodClasses() throws IOException {
            return scanClasses(in.ood().y(), "ood", "number the OOD labels from 0");
        }

        @Override
        public MeanAccumulator oodMeans(int kOod, Backend be, DType dt) throws IOException {
            return filled(new MeanAccumulator(kOod, dim(), be, dt), acc -> stream("ood", in.ood(), kOod, acc::accumulate));
        }
    }

    private interface Fill<A> {
        void into(A acc) throws IOException;
    }

    /** {@code acc} after {@code fill}, or closed if filling it fails (nothing half-done stays open). */
    private static <A extends AutoCloseable> A filled(A acc, Fill<A> fill) throws IOException {
        try {
            fill.into(acc);
            return acc;
        } catch (IOException | RuntimeException | Error e) {
            try {
                acc.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Every measure the statistics allow, as {@link MetricSet#compute}, with a degenerate data set
     * (a zero-norm mean, K &lt; 2) reported as a {@link BadInputException} naming {@code source}:
     * the last step of every analysis, on one machine or distributed.
     */
    public static Metrics measure(Backend backend, Statistics stats, MetricSet.Options options, String source)
            throws BadInputException {
        try {
            return Metrics.of(MetricSet.compute(backend, stats, options), stats.means().dtype());
        } catch (IllegalArgumentException e) {
            throw new BadInputException(source, e.getMessage());
        }
    }

    /** Class means from an accumulator, a set without selected classes named by its labels' file. */
    private static Means means(Passes p, MeansSupplier s) throws BadInputException {
        try {
            return s.get();
        } catch (IllegalStateException e) {
            throw new BadInputException(p.trainLabelsName(), e.getMessage());
        }
    }

    private interface MeansSupplier {
        Means get();
    }

    private void lap(String phase, long t0) {
        seconds.merge(phase, (System.nanoTime() - t0) / 1e9, Double::sum);
    }

    /**
     * K = the largest label + 1 (scanning the file), checking that no label is negative and that
     * K is plausible: it must fit an int, and a label far above the number of rows (K &gt; N and
     * K &gt; {@value #SPARSE_K}, so most classes would be empty) is named with its row instead of
     * silently sizing K; {@code remedy} says what to do ({@code {K}} stands for that K). The scan's
     * time is reported in the next run's {@link Result#seconds()}.
     *
     * @param what the set, for messages and the progress label ({@code "training"})
     */
    public int classesFromLabels(Tensor2D y, String what, String remedy) throws IOException {
        long t = System.nanoTime();
        int k = scanClasses(y, what, remedy);
        lap("scan", t);
        return k;
    }

    private int scanClasses(Tensor2D y, String what, String remedy) throws IOException {
        int max = -1;
        long maxRow = -1;
        long n = y.rows();
        int b = Math.max(batchRows, 65536);
        int[] buf = new int[(int) Math.min(n, b)];
        try (ProgressListener.Phase p = progress.start("scan " + what, n, "labels")) {
            for (long r0 = 0; r0 < n; r0 += b) {
                int m = (int) Math.min(b, n - r0);
                y.readInts(r0, r0 + m, buf, 0);
                for (int i = 0; i < m; i++) {
                    if (buf[i] < 0) {
                        throw new BadInputException(y.name(), "row " + (r0 + i) + ": label " + buf[i] + " is negative");
                    }
                    if (buf[i] > max) {
                        max = buf[i];
                        maxRow = r0 + i;
                    }
                }
                p.advance(m);
            }
        }
        if (max == Integer.MAX_VALUE) {
            throw new BadInputException(y.name(), "row " + maxRow + ": label " + max + " would make K = label + 1 = 2^31 "
                    + what + " classes, more than an int holds");
        }
        long k = max + 1L;
        if (k > SPARSE_K && k > n) {
            throw new BadInputException(y.name(), "row " + maxRow + ": label " + max + " would make K = " + k + " classes for "
                    + n + " rows, so most classes would be empty; " + remedy.replace("{K}", Long.toString(k)));
        }
        return (int) k;
    }

    /** Labels as many as the rows. */
    public static void checkRows(Data s) throws BadInputException {
        Tensor2D x = s.x();
        Tensor2D y = s.y();
        if (y != null && x.rows() != y.rows()) {
            throw new BadInputException(y.name(), "has " + y.rows() + " labels but " + x.name() + " has " + x.rows() + " rows");
        }
    }

    /** Embeddings of the training set's dimension. */
    public static void checkDim(Tensor2D x, int d, Tensor2D train) throws BadInputException {
        if (x.cols() != d) {
            throw new BadInputException(x.name(), "has dimension " + x.cols() + " but " + train.name() + " has D = " + d);
        }
    }

    private interface Sink {
        void accept(float[] x, int[] y);
    }

    /** Streams a data set in batches, checking labels against [0, k) and naming the file and row on errors. */
    private void stream(String label, Data s, int k, Sink sink) throws IOException {
        Tensor2D x = s.x();
        Tensor2D y = s.y();
        long n = x.rows();
        int d = x.cols();
        int b = (int) Math.max(1, Math.min(batchRows, (Integer.MAX_VALUE - 8L) / Math.max(1, d)));
        float[] xb = new float[(int) Math.min(n, b) * d];
        int[] yb = y == null ? null : new int[(int) Math.min(n, b)];
        try (ProgressListener.Phase p = progress.start(label, n, "samples")) {
            for (long r0 = 0; r0 < n; r0 += b) {
                int m = (int) Math.min(b, n - r0);
                float[] xa = m * d == xb.length ? xb : new float[m * d];
                x.readFloats(r0, r0 + m, xa, 0);
                int[] ya = null;
                if (y != null) {
                    ya = m == yb.length ? yb : new int[m];
                    y.readInts(r0, r0 + m, ya, 0);
                    for (int i = 0; i < m; i++) {
                        if (ya[i] < 0 || ya[i] >= k) {
                            throw new BadInputException(y.name(), "row " + (r0 + i) + ": label " + ya[i]
                                    + " is outside [0, " + k + ")" + (k > 0 ? " (K = " + k + ")" : ""));
                        }
                    }
                }
                try {
                    sink.accept(xa, ya);
                } catch (IllegalArgumentException e) {
                    String msg = e.getMessage();
                    String file = msg != null && msg.startsWith("label") && y != null ? y.name() : x.name();
                    throw new BadInputException(file, "in rows from " + r0 + ": " + msg);
                }
                p.advance(m);
            }
        }
    }

    /** Closes the backend if the analysis opened it ({@link Builder#backend(String)}). */
    @Override
    public void close() {
        if (ownsBackend) {
            backend.close();
        }
    }
}
