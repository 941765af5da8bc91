package org.ncj.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.ncj.DType;
import org.ncj.accumulate.ClassFilter;
import org.ncj.accumulate.Classifier;
import org.ncj.analysis.Analysis;
import org.ncj.backend.Backend;
import org.ncj.io.BadInputException;
import org.ncj.io.Json;
import org.ncj.io.Sources;
import org.ncj.io.Tensor2D;
import org.ncj.measure.MetricSet;
import org.ncj.report.HtmlReport;
import org.ncj.report.ReportData;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ncj analyze}: every measure that the given embedding files allow, to JSON, CSV and HTML. */
@Command(name = "analyze", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure neural collapse in embedding files: writes DIR/metrics.json, DIR/per_class.csv and DIR/report.html.",
                "",
                "Files: .npy (float16/32/64 embeddings; int32/int64/uint8/uint16 labels; either byte order; C or Fortran order) or "
                        + ".safetensors as FILE:TENSOR (F16, BF16, F32, F64; I32, I64). Each file option takes several files "
                        + "or a glob in the file name, taken in natural order (dump/shard-*.npy); shards are concatenated along rows. "
                        + "Files are memory-mapped and streamed in batches, so they may be larger than memory.",
                "",
                "Parquet: FILE:COLUMN, where FILE is a .parquet file or a directory of part files (array<float>, "
                        + "array<double> or ML Vector embeddings; int or long labels), runs on Apache Spark (--spark MASTER, "
                        + "default local[*]; needs the ncj-spark module, which ./ncj adds).",
                "",
                "Measures run as the inputs allow: without --weights no NC3/NC4; without a test set NC4 is measured on the "
                        + "training set; without --ood-x no NC5."},
        footer = {"", "Example (a golden case of the test suite):",
                "  G=core/src/test/resources/golden/small",
                "  ./ncj analyze --train-x $G/train_x.npy --train-y $G/train_y.npy \\",
                "      --test-x $G/test_x.npy --test-y $G/test_y.npy --weights $G/weights.npy \\",
                "      --ood-x $G/ood_x.npy --out small-report",
                "", "Exit codes: 0 ok, 2 bad input (one line: ncj: FILE: problem; nothing written), 1 other errors."})
public final class Analyze implements Callable<Integer> {

    @Option(names = "--train-x", arity = "1..*", required = true, paramLabel = "FILE",
            description = "Training embeddings (N, D): one or more files or globs.")
    List<String> trainX;

    @Option(names = "--train-y", arity = "1..*", required = true, paramLabel = "FILE",
            description = "Training labels (N), integers in [0, K).")
    List<String> trainY;

    @Option(names = "--test-x", arity = "1..*", paramLabel = "FILE",
            description = "Evaluation embeddings for NC4 (default: the training set).")
    List<String> testX;

    @Option(names = "--test-y", arity = "1..*", paramLabel = "FILE", description = "Evaluation labels.")
    List<String> testY;

    @Option(names = "--weights", paramLabel = "FILE", description = "Last-layer weights (K, D), enabling NC3, NC4 and nc2_equinorm_weights.")
    String weights;

    @Option(names = "--bias", paramLabel = "FILE", description = "Last-layer bias (K), used by the NC4 linear decisions.")
    String bias;

    @Option(names = "--ood-x", arity = "1..*", paramLabel = "FILE", description = "Out-of-distribution embeddings (M, D) for NC5.")
    List<String> oodX;

    @Option(names = "--ood-y", arity = "1..*", paramLabel = "FILE",
            description = "OOD labels (optional): the OOD mean is then the unweighted mean of the per-label means.")
    List<String> oodY;

    @Option(names = "--classes", paramLabel = "K",
            description = "Number of classes K (default: rows of --weights, else the largest training label + 1).")
    Integer classes;

    @Option(names = "--backend", defaultValue = "auto", paramLabel = "auto|cpu|cuda",
            description = "Where to compute (default: ${DEFAULT-VALUE}: CUDA when a GPU is present, else the CPU).")
    String backend;

    @Option(names = "--dtype", defaultValue = "float32", paramLabel = "float32|float64",
            description = "Accumulation precision (default: ${DEFAULT-VALUE}). Inputs are read as float32 either way.")
    String dtype;

    @Option(names = "--tile-size", defaultValue = "0", paramLabel = "N", description = "Force the tile size of the pairwise measures (default: the backend's plan, its tuned size from ./ncj tune, else 64; CUDA rounds float32 tiles to 64 or 128 and tiles float64 by 64).")
    int tileSize;

    @Option(names = "--min-count", defaultValue = "1", paramLabel = "N",
            description = "Measure only classes with at least N training samples (default: ${DEFAULT-VALUE}); the others are listed as dropped.")
    long minCount;

    @Option(names = "--one-pass",
            description = "Read the training set once: means, Σ_W and variance norms together (Chan-Golub-LeVeque merges, "
                    + "ClassStatistics) instead of two passes (means, then statistics about them). Two passes remain the reference.")
    boolean onePass;

    @Option(names = "--spark", paramLabel = "MASTER",
            description = "Run on Apache Spark with this master (local[*], local[2], spark://host:7077, yarn, ...). "
                    + "Inputs are then Parquet columns FILE:COLUMN (a .parquet file or a directory of part files); "
                    + "Parquet inputs alone run on Spark with the default master (local[*], or spark-submit's).")
    String spark;

    @Option(names = "--batch", defaultValue = "4096", paramLabel = "N", description = "Rows per batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--out", defaultValue = "ncj-out", paramLabel = "DIR",
            description = "Output directory (default: ${DEFAULT-VALUE}); written to a temporary directory, then renamed.")
    Path out;

    @Option(names = {"-q", "--quiet"}, description = "No progress bars (they are also off when stderr is not a terminal).")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        long tStart = System.nanoTime();
        if ((testX == null) != (testY == null)) {
            throw new Main.UsageException("--test-x and --test-y go together");
        }
        if (oodY != null && oodX == null) {
            throw new Main.UsageException("--ood-y needs --ood-x");
        }
        if (bias != null && weights == null) {
            throw new Main.UsageException("--bias needs --weights");
        }
        if (batch < 1 || tileSize < 0 || minCount < 1 || (classes != null && classes < 1)) {
            throw new Main.UsageException("--batch, --min-count and --classes must be >= 1, --tile-size >= 1 (or 0: tuned)");
        }
        DType dt;
        try {
            dt = DType.parse(dtype);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException("--dtype: " + e.getMessage());
        }
        PrintStream err = System.err;
        Progress.Factory progress = new Progress.Factory(err, !quiet && Progress.Factory.terminal());
        if (spark != null || anyParquet()) {
            return analyzeDistributed(tStart, dt, progress);
        }
        List<Tensor2D> open = new ArrayList<>();
        try {
            Tensor2D tx = track(open, Sources.openEmbeddings(trainX));
            Tensor2D ty = track(open, Sources.openLabels(trainY));
            int d = tx.cols();
            if (d == 0) {
                throw new BadInputException(tx.name(), "has shape (" + tx.rows() + ", 0): embeddings need at least one column");
            }
            Analysis.checkRows(Analysis.Data.of(tx, ty));
            Tensor2D sx = null;
            Tensor2D sy = null;
            if (testX != null) {
                sx = track(open, Sources.openEmbeddings(testX));
                sy = track(open, Sources.openLabels(testY));
                Analysis.checkDim(sx, d, tx);
                Analysis.checkRows(Analysis.Data.of(sx, sy));
                nonEmpty(sx, "the test set");
            }
            LastLayer layer = readLastLayer(open, d);
            Classifier clf = layer == null ? null : layer.classifier();
            Tensor2D tw = layer == null ? null : layer.weights();
            Tensor2D tb = layer == null ? null : layer.bias();
            Tensor2D ox = null;
            Tensor2D oy = null;
            if (oodX != null) {
                ox = track(open, Sources.openEmbeddings(oodX));
                Analysis.checkDim(ox, d, tx);
                nonEmpty(ox, "the OOD set");
                if (oodY != null) {
                    oy = track(open, Sources.openLabels(oodY));
                    Analysis.checkRows(Analysis.Data.of(ox, oy));
                }
            }
            if (tx.rows() == 0) {
                throw new BadInputException(tx.name(), "has no rows");
            }
            MetricSet.Options opts = MetricSet.Options.DEFAULT.withTileSize(tileSize);
            try (Analysis analysis = Analysis.builder().backend(backend).dtype(dt).batchRows(batch)
                    .classFilter(ClassFilter.minCount(minCount)).options(opts).onePass(onePass).progress(progress).build()) {
                Backend be = analysis.backend();
                int k;
                if (clf != null) {
                    k = clf.k();
                } else if (classes != null) {
                    k = classes;
                } else {
                    k = analysis.classesFromLabels(ty, "training", "if that is intended, pass --classes {K}");
                }
                checkMemory(clf != null ? tw.name() : classes != null ? "--classes " + k : ty.name(), k, d);
                Analysis.Result r = analysis.run(new Analysis.Inputs(k, Analysis.Data.of(tx, ty),
                        sx == null ? null : Analysis.Data.of(sx, sy), clf, ox == null ? null : Analysis.Data.of(ox, oy)));
                Map<String, Object> inputs = inputs(tx.name(), ty.name(), sx == null ? null : sx.name(), sx == null ? null : sy.name(),
                        tw == null ? null : tw.name(), tb == null ? null : tb.name(), ox == null ? null : ox.name(),
                        oy == null ? null : oy.name(), tx.rows(), sx == null ? null : sx.rows(), ox == null ? null : ox.rows(),
                        d, tx.dtype().displayName());
                writeOutputs(tStart, r, k, inputs, be.name(), be.description(), dt, sx != null, ox != null,
                        tx.name() + " (" + tx.rows() + " × " + d + ")");
            }
        } finally {
            for (Tensor2D t : open) {
                try {
                    t.close();
                } catch (IOException ignored) {
                    // closing a read-only mapping
                }
            }
        }
        return 0;
    }

    /** Whether a data option names a Parquet column ({@code FILE.parquet:COLUMN} or {@code DIR:COLUMN}). */
    private boolean anyParquet() {
        for (List<String> specs : java.util.Arrays.asList(trainX, trainY, testX, testY, oodX, oodY)) {
            if (specs != null && specs.stream().anyMatch(Analyze::isParquet)) {
                return true;
            }
        }
        return false;
    }

    static boolean isParquet(String spec) {
        int colon = spec.lastIndexOf(':');
        String file = colon > 0 ? spec.substring(0, colon) : spec;
        String lower = file.toLowerCase(java.util.Locale.ROOT);
        // A directory named like a .npy or .safetensors file is that file given by mistake, not a
        // directory of Parquet part files: its reader names the problem.
        return lower.endsWith(".parquet")
                || (colon > 0 && !file.contains("*") && !lower.endsWith(".npy") && !lower.endsWith(".safetensors")
                        && java.nio.file.Files.isDirectory(Path.of(file)));
    }

    /** One data set's x and y options as {@code FILE:COLUMN} selectors of one Parquet FILE. */
    private static DistributedAnalysis.Columns columns(String xOpt, List<String> x, String yOpt, List<String> y) {
        if (x == null) {
            return null;
        }
        String xs = parquetColumn(xOpt, x);
        if (y == null) {
            return new DistributedAnalysis.Columns(xs, null);
        }
        String ys = parquetColumn(yOpt, y);
        String xf = xs.substring(0, xs.lastIndexOf(':'));
        String yf = ys.substring(0, ys.lastIndexOf(':'));
        if (!xf.equals(yf)) {
            throw new Main.UsageException(xOpt + " and " + yOpt + " must name columns of the same Parquet data (rows pair up "
                    + "by position): got " + xf + " and " + yf);
        }
        return new DistributedAnalysis.Columns(xs, ys);
    }

    private static String parquetColumn(String opt, List<String> specs) {
        if (specs.size() != 1) {
            throw new Main.UsageException(opt + ": on Spark each input is one Parquet FILE:COLUMN (a directory of part files "
                    + "for many), got " + specs.size());
        }
        String s = specs.get(0);
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new Main.UsageException(opt + ": on Spark inputs are Parquet columns FILE:COLUMN, got '" + s + "'");
        }
        if (s.toLowerCase(java.util.Locale.ROOT).matches(".*\\.(npy|safetensors)(:.*)?")) {
            throw new Main.UsageException(opt + ": " + s + " is not Parquet; on Spark every data input is a Parquet FILE:COLUMN "
                    + "(--weights and --bias stay .npy or .safetensors)");
        }
        return s;
    }

    /** Parquet columns analysed on Spark by the ncj-spark module (found with ServiceLoader). */
    private Integer analyzeDistributed(long tStart, DType dt, Progress.Factory progress) throws Exception {
        DistributedAnalysis.Columns train = columns("--train-x", trainX, "--train-y", trainY);
        DistributedAnalysis.Columns test = columns("--test-x", testX, "--test-y", testY);
        DistributedAnalysis.Columns ood = columns("--ood-x", oodX, "--ood-y", oodY);
        DistributedAnalysis engine = java.util.ServiceLoader.load(DistributedAnalysis.class).findFirst()
                .orElseThrow(() -> new Main.UsageException("Parquet inputs and --spark need the ncj-spark module and Spark on "
                        + "the class path: run ./ncj from the repository, or spark-submit the ncj-spark jar"));
        List<Tensor2D> open = new ArrayList<>();
        try {
            LastLayer layer = readLastLayer(open, -1);
            Classifier clf = layer == null ? null : layer.classifier();
            MetricSet.Options opts = MetricSet.Options.DEFAULT.withTileSize(tileSize);
            DistributedAnalysis.Outcome o = engine.analyze(new DistributedAnalysis.Request(spark, train, test, clf, ood, classes,
                    backend, dt, ClassFilter.minCount(minCount), opts, onePass, batch, progress));
            Analysis.Result r = o.result();
            Map<String, Object> inputs = inputs(train.x(), train.y(), test == null ? null : test.x(), test == null ? null : test.y(),
                    layer == null ? null : layer.weights().name(), layer == null || layer.bias() == null ? null : layer.bias().name(),
                    ood == null ? null : ood.x(), ood == null ? null : ood.y(), o.trainRows(), test == null ? null : o.testRows(),
                    ood == null ? null : o.oodRows(), o.dim(), o.trainType());
            writeOutputs(tStart, r, r.k(), inputs, o.backend(), o.backendDescription(), dt, test != null, ood != null,
                    train.x() + " (" + o.trainRows() + " × " + o.dim() + ")");
        } finally {
            for (Tensor2D t : open) {
                try {
                    t.close();
                } catch (IOException ignored) {
                    // closing a read-only mapping
                }
            }
        }
        return 0;
    }

    /** The classifier read from {@code --weights} and {@code --bias}. */
    private record LastLayer(Classifier classifier, Tensor2D weights, Tensor2D bias) {
    }

    /**
     * Reads {@code --weights} (and {@code --bias}), or returns null without them.
     *
     * @param d the embeddings' dimension, or -1 when not known yet (checked by the caller)
     */
    private LastLayer readLastLayer(List<Tensor2D> open, int d) throws IOException {
        if (weights == null) {
            return null;
        }
        Tensor2D tw = track(open, Sources.openEmbeddings(List.of(weights)));
        nonEmpty(tw, "weights must be (K, D) with K >= 1");
        if (d >= 0 && tw.cols() != d) {
            throw new BadInputException(tw.name(), "has " + tw.rows() + " x " + tw.cols() + " weights, but the embeddings have D = "
                    + d + ": weights must be (K, D)");
        }
        int dw = tw.cols();
        if (tw.rows() > Integer.MAX_VALUE / Math.max(1, dw)) {
            throw new BadInputException(tw.name(), "is too large for a classifier");
        }
        if (classes != null && classes != tw.rows()) {
            throw new BadInputException(tw.name(), "has " + tw.rows() + " rows but --classes is " + classes);
        }
        int kw = (int) tw.rows();
        double[] w = tw.readDoubles(0, kw);
        for (int i = 0; i < w.length; i++) {
            if (!Double.isFinite(w[i])) {
                throw new BadInputException(tw.name(), "non-finite weight " + w[i] + " at row " + (i / dw) + ", column " + (i % dw));
            }
        }
        Classifier clf = Classifier.of(w, kw, dw);
        Tensor2D tb = null;
        if (bias != null) {
            tb = track(open, Sources.open(bias));
            if (!tb.dtype().isFloat() || tb.cols() != 1 || tb.rows() != kw) {
                throw new BadInputException(tb.name(), "holds " + tb.rows() + " x " + tb.cols() + " " + tb.dtype()
                        + "; the bias must be " + kw + " floats (one per row of the weights)");
            }
            double[] b = tb.readDoubles(0, kw);
            for (int i = 0; i < b.length; i++) {
                if (!Double.isFinite(b[i])) {
                    throw new BadInputException(tb.name(), "non-finite bias " + b[i] + " at class " + i);
                }
            }
            clf = clf.withBias(b);
        }
        return new LastLayer(clf, tw, tb);
    }

    /** metrics.json, per_class.csv and report.html from a result, and the table on stdout. */
    private void writeOutputs(long tStart, Analysis.Result r, int k, Map<String, Object> inputs, String backendName,
                              String backendDescription, DType dt, boolean hasTest, boolean hasOod, String inputLine)
            throws IOException {
        long tWrite = System.nanoTime();
        List<String> notes = new ArrayList<>();
        if (r.classifier() == null) {
            notes.add("no --weights: NC3, NC4 and nc2_equinorm_weights not computed");
        } else if (!hasTest) {
            notes.add("no test set: NC4 (nc4_agree) measured on the training set");
        }
        if (!hasOod) {
            notes.add("no --ood-x: NC5 not computed");
        }
        Map<String, Double> metrics = r.metrics().asMap();
        if (metrics.values().stream().anyMatch(v -> !Double.isFinite(v))) {
            notes.add("non-finite values (NaN, infinity) are written as null");
        }
        notes.addAll(r.metrics().notes());
        if (r.classifier() != null) {
            inputs.put("nc4_evaluated_on", hasTest ? "test" : "train");
        }
        Map<String, Object> cls = new LinkedHashMap<>();
        cls.put("K", k);
        cls.put("selected", r.means().numSelected());
        cls.put("dropped", r.means().dropped());
        cls.put("min_count", minCount);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("metrics", metrics);
        json.put("classes", cls);
        json.put("backend", backendName);
        json.put("backend_description", backendDescription);
        json.put("dtype", dt.name().toLowerCase(java.util.Locale.ROOT));
        json.put("passes", onePass ? "one" : "two");
        json.put("inputs", inputs);
        json.put("notes", notes);
        ReportData.Detail detail = Details.of(out.getFileName().toString(), r);
        json.put("detail", detail.toJson());
        Map<String, Double> seconds = new LinkedHashMap<>(r.seconds());
        try (OutputDir o = new OutputDir(out)) {
            String csv = Details.csv(r);
            Map<String, String> info = new LinkedHashMap<>();
            info.put("inputs", inputLine);
            info.put("classes", k + " (selected " + r.means().numSelected() + ", dropped " + r.means().dropped().length + ")");
            info.put("backend, dtype", backendName + " (" + backendDescription + "), " + json.get("dtype"));
            ReportData data = new ReportData("Neural collapse: " + out.getFileName(), "input",
                    List.of(new ReportData.Point(out.getFileName().toString(), metrics)), List.of(detail), notes, info);
            o.write("report.html", HtmlReport.render(data));
            o.write("per_class.csv", csv);
            seconds.put("write", (System.nanoTime() - tWrite) / 1e9);
            seconds.put("total", (System.nanoTime() - tStart) / 1e9);
            json.put("seconds", seconds);
            o.write("metrics.json", Json.write(json));
            o.commit();
        }
        printTable(System.out, metrics, notes);
        System.out.println("wrote " + out.resolve("metrics.json") + ", " + out.resolve("per_class.csv") + ", "
                + out.resolve("report.html"));
    }

    static void printTable(PrintStream o, Map<String, Double> metrics, List<String> notes) {
        for (Map.Entry<String, Double> e : metrics.entrySet()) {
            o.printf(java.util.Locale.ROOT, "  %-22s %.6g%n", e.getKey(), e.getValue());
        }
        for (String n : notes) {
            o.println("  note: " + n);
        }
    }

    private static Tensor2D track(List<Tensor2D> open, Tensor2D t) {
        open.add(t);
        return t;
    }

    private static void nonEmpty(Tensor2D t, String what) throws BadInputException {
        if (t.rows() == 0) {
            throw new BadInputException(t.name(), "has no rows (" + what + " is empty)");
        }
    }

    /**
     * Refuses, before allocating, a K that the class statistics certainly cannot hold in this
     * JVM's heap: at least the class sums and the means (K × D each) and Σ_W (D × D), in float64.
     */
    static void checkMemory(String source, int k, int d) throws BadInputException {
        double bytes = 8.0 * (2.0 * k * d + (double) d * d + 2.0 * k);
        long max = Runtime.getRuntime().maxMemory();
        if (bytes > max) {
            throw new BadInputException(source, String.format(java.util.Locale.ROOT,
                    "K = %d classes of D = %d need at least %.1f GiB of memory for the class statistics, more than the %.1f GiB"
                            + " this JVM may use (NCJ_JAVA_OPTS=-Xmx...)", k, d, bytes / (1L << 30), max / (double) (1L << 30)));
        }
    }

    /** The {@code "inputs"} object of metrics.json, the same for local and distributed runs; null parts are left out. */
    private static Map<String, Object> inputs(String trainX, String trainY, String testX, String testY, String weights,
                                              String bias, String oodX, String oodY, long trainRows, Long testRows,
                                              Long oodRows, int dim, String trainType) {
        Map<String, Object> inputs = new LinkedHashMap<>();
        inputs.put("train_x", trainX);
        inputs.put("train_y", trainY);
        putIfPresent(inputs, "test_x", testX);
        putIfPresent(inputs, "test_y", testY);
        putIfPresent(inputs, "weights", weights);
        putIfPresent(inputs, "bias", bias);
        putIfPresent(inputs, "ood_x", oodX);
        putIfPresent(inputs, "ood_y", oodY);
        Map<String, Object> rows = new LinkedHashMap<>();
        rows.put("train", trainRows);
        putIfPresent(rows, "test", testRows);
        putIfPresent(rows, "ood", oodRows);
        inputs.put("rows", rows);
        inputs.put("dim", dim);
        inputs.put("train_dtype", trainType);
        return inputs;
    }

    private static void putIfPresent(Map<String, Object> map, String key, Object value) {
        if (value != null) {
            map.put(key, value);
        }
    }
}
