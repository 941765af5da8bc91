package org.ncj.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.when;

import java.io.IOException;
import java.util.Map;
import java.util.Objects;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.UserDefinedType;
import org.ncj.DType;
import org.ncj.accumulate.Agreement;
import org.ncj.accumulate.ClassFilter;
import org.ncj.accumulate.ClassStatistics;
import org.ncj.accumulate.Classifier;
import org.ncj.accumulate.Covariance;
import org.ncj.accumulate.DecAccumulator;
import org.ncj.accumulate.MeanAccumulator;
import org.ncj.accumulate.Means;
import org.ncj.accumulate.VarNorms;
import org.ncj.accumulate.WithinClassAccumulator;
import org.ncj.analysis.Analysis;
import org.ncj.analysis.Metrics;
import org.ncj.analysis.Passes;
import org.ncj.backend.Backend;
import org.ncj.io.BadInputException;
import org.ncj.measure.MetricSet;

/**
 * Neural collapse of {@link Dataset}s on Apache Spark: the library's {@link Analysis} with each
 * pass a reduction over partitions. Every partition streams its rows into the library's accumulators
 * on its own backend and returns their state as bytes; {@code treeReduce} merges the states
 * (exactly: sums, counts, and for {@link ClassStatistics} the Chan–Golub–LeVeque update) on the
 * executors and then on the driver, which computes the measures ({@link Analysis}).
 *
 * <p>Two passes (the reference): class means, broadcast to a second pass for Σ_W and the variance
 * norms. One pass ({@link Settings#onePass}): {@link ClassStatistics} per partition. Then the
 * classifier decisions on the evaluation set (NC4) and the OOD mean (NC5).
 *
 * <pre>{@code
 * Dataset<Row> train = spark.read().parquet("hdfs:///emb/train");
 * SparkAnalysis.Result r;
 * try (Backend driver = Backend.auto()) {
 *     r = new SparkAnalysis(SparkAnalysis.Settings.DEFAULT).run(driver, null,
 *             SparkAnalysis.Input.of(train, "embedding", "label"), null, classifier, null);
 * }
 * r.metrics().get("nc1_pinv");
 * }</pre>
 *
 * <p>The phases, checks and measures are the library's {@link Analysis}; this class supplies its
 * {@link Passes} as Spark reductions, and {@link Pass} is what runs inside the partitions.
 */
public final class SparkAnalysis {

    /**
     * A data set: an embedding column ({@code array<float>}, {@code array<double>} or Spark ML's
     * {@code Vector}) and a label column ({@code int} or {@code long}, in [0, K)), paired by row.
     *
     * @param label  the label column, or null for unlabelled OOD data
     * @param source what error messages name: the file, or a table's name
     */
    public record Input(Dataset<Row> data, String embedding, String label, String source) {
        public Input {
            Objects.requireNonNull(data, "data");
            Objects.requireNonNull(embedding, "embedding");
            Objects.requireNonNull(source, "source");
        }

        public static Input of(Dataset<Row> data, String embedding, String label) {
            return new Input(data, embedding, label, "dataset");
        }

        String xName() {
            return source + ":" + embedding;
        }

        String yName() {
            return label == null ? null : source + ":" + label;
        }
    }

    /**
     * @param backend   the partitions' backend: {@code auto} (CUDA on an executor with a GPU, else
     *                  the CPU), {@code cpu} or {@code cuda}
     * @param batchRows rows per batch inside a partition
     * @param treeDepth depth of {@code treeReduce}, or 0 to choose it from
     *                  {@code spark.driver.maxResultSize} and the state's size ({@link StateSize})
     */
    public record Settings(DType dtype, ClassFilter filter, MetricSet.Options options, boolean onePass, String backend,
                           int batchRows, int treeDepth) {
        public static final Settings DEFAULT = new Settings(DType.FLOAT32, ClassFilter.PRESENT, MetricSet.Options.DEFAULT,
                false, "auto", 4096, 0);

        public Settings {
            Objects.requireNonNull(dtype, "dtype");
            Objects.requireNonNull(filter, "filter");
            Objects.requireNonNull(options, "options");
            Objects.requireNonNull(backend, "backend");
            if (batchRows < 1 || treeDepth < 0) {
                throw new IllegalArgumentException("batchRows must be >= 1 and treeDepth >= 0");
            }
        }

        public Settings withDtype(DType t) {
            return new Settings(t, filter, options, onePass, backend, batchRows, treeDepth);
        }

        public Settings withOnePass(boolean one) {
            return new Settings(dtype, filter, options, one, backend, batchRows, treeDepth);
        }

        public Settings withBackend(String b) {
            return new Settings(dtype, filter, options, onePass, b, batchRows, treeDepth);
        }

        public Settings withFilter(ClassFilter f) {
            return new Settings(dtype, f, options, onePass, backend, batchRows, treeDepth);
        }

        public Settings withOptions(MetricSet.Options o) {
            return new Settings(dtype, filter, o, onePass, backend, batchRows, treeDepth);
        }

        public Settings withBatchRows(int n) {
            return new Settings(dtype, filter, options, onePass, backend, n, treeDepth);
        }

        public Settings withTreeDepth(int depth) {
            return new Settings(dtype, filter, options, onePass, backend, batchRows, depth);
        }
    }

    /**
     * The statistics and measures, as the single-machine analysis returns them, with the rows read.
     *
     * @param analysis what {@link Analysis#run(Passes, Integer, Classifier)} returned
     */
    public record Result(Analysis.Result analysis, int dim, long trainRows, long testRows, long oodRows) {
        public int k() {
            return analysis.k();
        }

        public Metrics metrics() {
            return analysis.metrics();
        }

        public Means means() {
            return analysis.means();
        }

        public Covariance sw() {
            return analysis.sw();
        }

        public VarNorms varNorms() {
            return analysis.varNorms();
        }

        public Agreement agreement() {
            return analysis.agreement();
        }

        public double[] oodMean() {
            return analysis.oodMean();
        }

        public Map<String, Double> seconds() {
            return analysis.seconds();
        }
    }

    private final Settings settings;

    public SparkAnalysis(Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /**
     * Runs the analysis: the library's {@link Analysis} (its phases, checks and measures) with
     * each pass a reduction over partitions ({@link Passes}). Spark jobs are described as
     * {@code ncj: <phase>} (see {@link ConsoleProgress}).
     *
     * @param driver     the backend of the measures on the driver (the caller owns it)
     * @param classes    K, or null: the classifier's rows, else the largest training label + 1
     * @param test       evaluation set for NC4, or null to use the training set
     * @param classifier the last layer, or null (no NC3/NC4)
     * @param ood        out-of-distribution data, or null (no NC5)
     * @throws BadInputException naming {@code source:column}: a missing column or one of another
     *                           type, null embeddings or labels, rows of different lengths, labels
     *                           out of range, non-finite values, no rows
     */
    public Result run(Backend driver, Integer classes, Input train, Input test, Classifier classifier, Input ood)
            throws IOException {
        Objects.requireNonNull(train.label(), "the training set needs labels");
        Column tx = embeddingColumn(train);
        boolean ty = labelColumn(train);
        Column sx = test == null ? null : embeddingColumn(test);
        boolean sy = test != null && labelColumn(test);
        if (test != null && test.label() == null) {
            throw new IllegalArgumentException("the evaluation set needs labels");
        }
        Column ox = ood == null ? null : embeddingColumn(ood);
        boolean oy = ood != null && ood.label() != null && labelColumn(ood);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(train.data().sparkSession().sparkContext());
        PartitionPasses passes = new PartitionPasses(sc, train, tx, ty, test, sx, sy, ood, ox, oy);
        try (Analysis a = Analysis.builder().backend(driver).dtype(settings.dtype()).classFilter(settings.filter())
                .options(settings.options()).onePass(settings.onePass()).build()) {
            Analysis.Result r = a.run(passes, classes, classifier);
            return new Result(r, passes.d, passes.trainRows, passes.testRows, passes.oodRows);
        } finally {
            sc.setJobDescription(null);
        }
    }

    /** Each pass a reduction of the partitions' accumulator states, merged on the driver's backend. */
    private final class PartitionPasses implements Passes {
        private final JavaSparkContext sc;
        private final Input train;
        private final Column tx;
        private final boolean ty;
        private final Input test;
        private final Column sx;
        private final boolean sy;
        private final Input ood;
        private final Column ox;
        private final boolean oy;
        int d;
        long trainRows;
        long testRows;
        long oodRows;

        PartitionPasses(JavaSparkContext sc, Input train, Column tx, boolean ty, Input test, Column sx, boolean sy, Input ood,
                        Column ox, boolean oy) {
            this.sc = sc;
            this.train = train;
            this.tx = tx;
            this.ty = ty;
            this.test = test;
            this.sx = sx;
            this.sy = sy;
            this.ood = ood;
            this.ox = ox;
            this.oy = oy;
        }

        @Override
        public String trainEmbeddingsName() {
            return train.xName();
        }

        @Override
        public String trainLabelsName() {
            return train.yName();
        }

        @Override
        public boolean hasTest() {
            return test != null;
        }

        @Override
        public boolean hasOod() {
            return ood != null;
        }

        @Override
        public boolean oodLabelled() {
            return ood != null && ood.label() != null;
        }

        @Override
        public int trainingClasses() throws IOException {
            sc.setJobDescription("ncj: scan labels");
            return maxLabel(train) + 1;
        }

        @Override
        public int dim() {
            return d;
        }

        @Override
        public MeanAccumulator means(int k, Backend be, DType dtype) throws IOException {
            PartState s = reduce(sc, "means", train, tx, ty, Pass.Kind.MEANS, k, 0, null, null);
            trainRows = s.rows();
            d = s.d();
            return MeanAccumulator.fromBytes(s.states()[0], k, d, be, dtype);
        }

        @Override
        public ClassStatistics onePass(int k, Backend be, DType dtype) throws IOException {
            PartState s = reduce(sc, "one pass", train, tx, ty, Pass.Kind.ONE_PASS, k, 0, null, null);
            trainRows = s.rows();
            d = s.d();
            return ClassStatistics.fromBytes(s.states()[0], k, d, be, dtype);
        }

        @Override
        public WithinClassAccumulator withinClass(Means means, Backend be) throws IOException {
            Broadcast<Pass.MeansData> mb = sc.broadcast(Pass.MeansData.of(means));
            try {
                PartState c = reduce(sc, "covariance", train, tx, ty, Pass.Kind.SECOND, means.numClasses(), d, mb, null);
                return WithinClassAccumulator.fromBytes(c.states()[0], be, means);
            } finally {
                mb.destroy();
            }
        }

        @Override
        public DecAccumulator decisions(Means means, Classifier classifier, Backend be) throws IOException {
            Broadcast<Pass.MeansData> mb = sc.broadcast(Pass.MeansData.of(means));
            Broadcast<Pass.ClassifierData> cb = sc.broadcast(Pass.ClassifierData.of(classifier));
            try {
                Input on = test != null ? test : train;
                PartState s = reduce(sc, "decisions", on, test != null ? sx : tx, test != null ? sy : ty, Pass.Kind.DECISIONS,
                        means.numClasses(), d, mb, cb);
                testRows = s.rows();
                return DecAccumulator.fromBytes(s.states()[0], be, means, classifier);
            } finally {
                mb.destroy();
                cb.destroy();
            }
        }

        @Override
        public int oodClasses() throws IOException {
            sc.setJobDescription("ncj: scan ood labels");
            return maxLabel(ood) + 1;
        }

        @Override
        public MeanAccumulator oodMeans(int kOod, Backend be, DType dtype) throws IOException {
            PartState s = reduce(sc, "ood", ood, ox, oy, Pass.Kind.MEANS, kOod, d, null, null);
            oodRows = s.rows();
            return MeanAccumulator.fromBytes(s.states()[0], kOod, d, be, dtype);
        }
    }

    /** The embedding column's storage, checked against the schema. */
    private record Column(Pass.Embedding kind) {
    }

    private static Column embeddingColumn(Input in) throws BadInputException {
        DataType t = field(in, in.embedding()).dataType();
        if (t instanceof ArrayType a && a.elementType().equals(DataTypes.FloatType)) {
            return new Column(Pass.Embedding.FLOAT_ARRAY);
        }
        if (t instanceof ArrayType a && a.elementType().equals(DataTypes.DoubleType)) {
            return new Column(Pass.Embedding.DOUBLE_ARRAY);
        }
        if (t instanceof UserDefinedType<?> u && isVectorStruct(u.sqlType())) {
            return new Column(Pass.Embedding.VECTOR);
        }
        throw new BadInputException(in.xName(), "has type " + t.simpleString()
                + "; embeddings must be array<float>, array<double> or an ML Vector");
    }

    /** Spark ML's (and MLlib's) VectorUDT stores struct(type: byte, size: int, indices: array<int>, values: array<double>). */
    private static boolean isVectorStruct(DataType t) {
        if (!(t instanceof StructType s) || s.fields().length != 4) {
            return false;
        }
        StructField[] f = s.fields();
        return f[0].dataType().equals(DataTypes.ByteType) && f[1].dataType().equals(DataTypes.IntegerType)
                && f[2].dataType().equals(DataTypes.createArrayType(DataTypes.IntegerType, false))
                && f[3].dataType().equals(DataTypes.createArrayType(DataTypes.DoubleType, false));
    }

    /** Whether labels are long (else int), checked against the schema. */
    private static boolean labelColumn(Input in) throws BadInputException {
        DataType t = field(in, in.label()).dataType();
        if (t.equals(DataTypes.LongType)) {
            return true;
        }
        if (t.equals(DataTypes.IntegerType)) {
            return false;
        }
        throw new BadInputException(in.yName(), "has type " + t.simpleString() + "; labels must be int or long");
    }

    private static StructField field(Input in, String name) throws BadInputException {
        StructType schema = in.data().schema();
        for (StructField f : schema.fields()) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        throw new BadInputException(in.source() + ":" + name, "no such column (columns: "
                + String.join(", ", schema.fieldNames()) + ")");
    }

    /** The largest label, checking there are no nulls and no negative labels. */
    private static int maxLabel(Input in) throws IOException {
        Row r = action(() -> in.data().agg(min(col(in.label())), max(col(in.label())),
                count(when(col(in.label()).isNull(), 1))).first());
        if (r.getLong(2) > 0) {
            throw new BadInputException(in.yName(), r.getLong(2) + " null labels");
        }
        if (r.isNullAt(1)) {
            throw new BadInputException(in.yName(), "has no rows");
        }
        long lo = ((Number) r.get(0)).longValue();
        long hi = ((Number) r.get(1)).longValue();
        if (lo < 0) {
            throw new BadInputException(in.yName(), "label " + lo + " is negative");
        }
        if (hi >= Integer.MAX_VALUE) {
            throw new BadInputException(in.yName(), "label " + hi + " is too large for a class index");
        }
        return (int) hi;
    }

    /** One pass over {@code in}, reduced to one state on the driver. */
    private PartState reduce(JavaSparkContext sc, String phase, Input in, Column x, boolean longLabels, Pass.Kind kind, int k,
                             int d, Broadcast<Pass.MeansData> means, Broadcast<Pass.ClassifierData> classifier)
            throws IOException {
        sc.setJobDescription("ncj: " + phase);
        Dataset<Row> cols = in.label() == null ? in.data().select(col(in.embedding()))
                : in.data().select(col(in.embedding()), col(in.label()));
        JavaRDD<InternalRow> rows = cols.queryExecution().toRdd().toJavaRDD();
        int parts = rows.getNumPartitions();
        if (parts == 0) {
            throw new BadInputException(in.xName(), "has no rows");
        }
        int dim = d > 0 ? d : probeDim(sc, in);
        StateSize.check(kind, k, dim, in.xName());
        int depth = settings.treeDepth() > 0 ? settings.treeDepth()
                : StateSize.depth(parts, StateSize.bytes(kind, k, Math.max(dim, 1)), maxResultSize(sc));
        sc.setJobDescription("ncj: " + phase);
        Pass pass = new Pass(kind, in.xName(), in.yName(), x.kind(), longLabels, k, d, settings.batchRows(), settings.dtype(),
                settings.backend(), means, classifier);
        PartState s = action(() -> rows.mapPartitions(pass::partition).treeReduce(pass::merge, depth));
        if (s.empty()) {
            throw new BadInputException(in.xName(), "has no rows");
        }
        return s;
    }

    /**
     * The length of the first embedding (one row read), to size the first pass's state before it
     * runs; 0 when there is none (the pass then reports the problem).
     */
    private static int probeDim(JavaSparkContext sc, Input in) throws IOException {
        sc.setJobDescription("ncj-probe");
        Row first;
        try {
            first = action(() -> in.data().select(col(in.embedding())).first());
        } catch (java.util.NoSuchElementException e) {
            return 0;
        }
        Object v = first.get(0);
        if (v instanceof scala.collection.Seq<?> seq) {
            return seq.length();
        }
        if (v != null) {
            try {
                // Spark ML's Vector (not a compile-time dependency): int size()
                return (Integer) v.getClass().getMethod("size").invoke(v);
            } catch (ReflectiveOperationException | ClassCastException e) {
                return 0;
            }
        }
        return 0;
    }

    private static long maxResultSize(JavaSparkContext sc) {
        return sc.sc().conf().getSizeAsBytes("spark.driver.maxResultSize", "1g");
    }

    private interface Action<T> {
        T run() throws Exception;
    }

    /** Runs a Spark action, turning bad data found in a task into a {@link BadInputException}. */
    private static <T> T action(Action<T> a) throws IOException {
        try {
            return a.run();
        } catch (Exception e) {
            SparkInputException bad = SparkInputException.find(e);
            if (bad != null) {
                throw new BadInputException(bad.source(), bad.problem());
            }
            if (e instanceof IOException io) {
                throw io;
            }
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(e);
        }
    }

}
