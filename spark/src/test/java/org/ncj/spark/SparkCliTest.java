package org.ncj.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.ncj.DType;
import org.ncj.cli.CliRun;
import org.ncj.golden.GoldenContract;
import org.ncj.io.Npy;
import org.ncj.testutil.Golden;

/**
 * {@code ncj analyze} on Parquet part-file directories: reproduces the golden values (metrics.json,
 * per_class.csv, the report) and reports every bad column with exit code 2 and one line naming
 * {@code FILE:COLUMN}, writing nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SparkCliTest {
    private SparkSession spark;

    @TempDir
    Path tmp;

    @BeforeAll
    void start() {
        spark = SparkTests.session();
    }

    @AfterAll
    void stop() {
        spark.stop();
    }

    /**
     * Runs {@code analyze} on Parquet part-file directories and compares with the golden values,
     * or, with unlabelled OOD data (which the golden values do not cover), with the single-machine
     * run of the same command on the case's .npy files.
     */
    @SuppressWarnings("unchecked")
    private void golden(String caseName, DType dtype, boolean onePass, boolean oodLabels) throws Exception {
        Golden g = Golden.load(caseName);
        Path dir = tmp.resolve(caseName);
        Path train = SparkTests.write(spark, dir.resolve("train"), g.trainX(), g.trainY(), g.d(), 3, true, SparkTests.Storage.FLOAT);
        Path test = SparkTests.write(spark, dir.resolve("test"), g.testX(), g.testY(), g.d(), 2, false, SparkTests.Storage.FLOAT);
        Path ood = SparkTests.write(spark, dir.resolve("ood.parquet"), g.oodX(), oodLabels ? g.oodY() : null, g.d(), 2, false,
                SparkTests.Storage.FLOAT);
        Path out = tmp.resolve(caseName + "-out-" + dtype + onePass);
        List<String> common = List.of("analyze", "--quiet", "--backend", "cpu", "--dtype", dtype.name().toLowerCase(),
                "--weights", g.dir().resolve("weights.npy").toString());
        List<String> args = new ArrayList<>(common);
        args.addAll(List.of("--spark", "local[2]", "--train-x", train + ":embedding", "--train-y", train + ":label",
                "--test-x", test + ":embedding", "--test-y", test + ":label",
                "--ood-x", ood + ":embedding", "--out", out.toString()));
        if (oodLabels) {
            args.addAll(List.of("--ood-y", ood + ":label"));
        }
        if (onePass) {
            args.add("--one-pass");
        }
        CliRun r = CliRun.run(args.toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        Map<String, Double> expected = g.metrics();
        String against = "golden";
        if (!oodLabels) {
            Path one = tmp.resolve(caseName + "-npy");
            List<String> npy = new ArrayList<>(common);
            npy.addAll(List.of("--train-x", g.dir().resolve("train_x.npy").toString(), "--train-y",
                    g.dir().resolve("train_y.npy").toString(), "--test-x", g.dir().resolve("test_x.npy").toString(),
                    "--test-y", g.dir().resolve("test_y.npy").toString(), "--ood-x", g.dir().resolve("ood_x.npy").toString(),
                    "--out", one.toString()));
            if (onePass) {
                npy.add("--one-pass");
            }
            CliRun single = CliRun.run(npy.toArray(String[]::new));
            assertEquals(0, single.exit(), single.err());
            expected = new java.util.LinkedHashMap<>();
            for (Map.Entry<String, Object> e : ((Map<String, Object>) CliRun.json(one.resolve("metrics.json")).get("metrics"))
                    .entrySet()) {
                expected.put(e.getKey(), (Double) e.getValue());
            }
            assertTrue(expected.containsKey("nc5_ood_dev"));
            against = "single machine";
        }
        Map<String, Object> json = CliRun.json(out.resolve("metrics.json"));
        Map<String, Object> metrics = (Map<String, Object>) json.get("metrics");
        List<String> failures = new ArrayList<>();
        for (Map.Entry<String, Double> e : expected.entrySet()) {
            if (!(metrics.get(e.getKey()) instanceof Double v)) {
                failures.add(e.getKey() + ": missing");
                continue;
            }
            double[] tol = GoldenContract.tolerance(caseName, e.getKey(), dtype);
            if (!(Math.abs(v - e.getValue()) <= tol[1] + tol[0] * Math.abs(e.getValue()))) {
                failures.add(e.getKey() + ": got " + v + ", expected " + e.getValue());
            }
        }
        if (!failures.isEmpty()) {
            fail(caseName + " against " + against + ":\n  " + String.join("\n  ", failures));
        }
        assertEquals("spark", json.get("backend"));
        assertEquals(onePass ? "one" : "two", json.get("passes"));
        Map<String, Object> inputs = (Map<String, Object>) json.get("inputs");
        assertEquals(train + ":embedding", inputs.get("train_x"));
        assertEquals((double) g.d(), inputs.get("dim"));
        assertEquals((double) g.trainY().length, ((Map<String, Object>) inputs.get("rows")).get("train"));
        assertEquals(g.k() + 1, Files.readAllLines(out.resolve("per_class.csv")).size());
        assertTrue(Files.size(out.resolve("report.html")) > 1000);
    }

    @Test
    void goldenSmallTwoPassesFloat64() throws Exception {
        golden("small", DType.FLOAT64, false, true);
    }

    @Test
    void goldenImbalancedOnePassFloat32() throws Exception {
        golden("imbalanced", DType.FLOAT32, true, true);
    }

    /** Unlabelled OOD data: the plain mean of its rows, as the single-machine run takes it. */
    @Test
    void unlabelledOodAsOnOneMachine() throws Exception {
        golden("k2", DType.FLOAT64, false, false);
    }

    // ---- bad input ----

    private static final StructType GOOD = new StructType()
            .add("embedding", DataTypes.createArrayType(DataTypes.FloatType, true), true)
            .add("label", DataTypes.IntegerType, true);

    private Path parquet(String name, StructType schema, List<List<Row>> parts) {
        Path dir = tmp.resolve(name);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        boolean first = true;
        for (List<Row> rows : parts) {
            spark.createDataFrame(jsc.parallelize(rows, 1), schema).write().mode(first ? SaveMode.Overwrite : SaveMode.Append)
                    .parquet(dir.toString());
            first = false;
        }
        return dir;
    }

    private static List<Row> rows(int n, int d) {
        List<Row> r = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Float[] x = new Float[d];
            for (int j = 0; j < d; j++) {
                x[j] = (float) ((i % 3 == j ? 3 : 0) + 0.1 * ((i * 7 + j * 3) % 5));
            }
            r.add(RowFactory.create(x, i % 3));
        }
        return r;
    }

    private CliRun analyze(Path data, String xCol, String yCol, String... extra) {
        List<String> a = new ArrayList<>(List.of("analyze", "--quiet", "--spark", "local[2]", "--backend", "cpu",
                "--out", tmp.resolve("bad-out").toString(),
                "--train-x", data + ":" + xCol, "--train-y", data + ":" + yCol));
        a.addAll(Arrays.asList(extra));
        return CliRun.run(a.toArray(String[]::new));
    }

    /** Exit 2, one line that starts with {@code ncj: FILE:COLUMN: } and contains {@code problem}, nothing written. */
    private void bad(CliRun r, String source, String problem) {
        assertEquals(2, r.exit(), r.err());
        String err = r.err().strip();
        assertFalse(err.contains("\n"), "one line: " + err);
        assertTrue(err.startsWith("ncj: " + source + ": "), err);
        assertTrue(err.contains(problem), err);
        assertFalse(Files.exists(tmp.resolve("bad-out")));
    }

    @Test
    void missingColumn() {
        Path p = parquet("missing", GOOD, List.of(rows(6, 4)));
        bad(analyze(p, "emb", "label"), p + ":emb", "no such column (columns: embedding, label)");
    }

    @Test
    void wrongEmbeddingType() {
        StructType s = new StructType().add("embedding", DataTypes.StringType).add("label", DataTypes.IntegerType);
        Path p = parquet("strings", s, List.of(List.of(RowFactory.create("a", 0))));
        bad(analyze(p, "embedding", "label"), p + ":embedding", "has type string; embeddings must be array<float>");
    }

    @Test
    void wrongLabelType() {
        StructType s = new StructType().add("embedding", DataTypes.createArrayType(DataTypes.FloatType))
                .add("label", DataTypes.DoubleType);
        Path p = parquet("dlabels", s, List.of(List.of(RowFactory.create(new Float[] {1f}, 0.0))));
        bad(analyze(p, "embedding", "label"), p + ":label", "has type double; labels must be int or long");
    }

    @Test
    void nullEmbedding() {
        List<Row> r = rows(6, 4);
        r.set(4, RowFactory.create(null, 1));
        Path p = parquet("nullemb", GOOD, List.of(r));
        bad(analyze(p, "embedding", "label"), p + ":embedding", "row 4: null embedding");
    }

    @Test
    void nullValueInAnEmbedding() {
        List<Row> r = rows(6, 4);
        r.set(2, RowFactory.create(new Float[] {1f, null, 2f, 3f}, 2));
        Path p = parquet("nullval", GOOD, List.of(r));
        bad(analyze(p, "embedding", "label"), p + ":embedding", "row 2: null value at column 1");
    }

    @Test
    void nonFiniteValue() {
        List<Row> r = rows(6, 4);
        r.set(3, RowFactory.create(new Float[] {1f, Float.NaN, 2f, 3f}, 0));
        Path p = parquet("nan", GOOD, List.of(r));
        bad(analyze(p, "embedding", "label"), p + ":embedding", "non-finite value NaN");
    }

    @Test
    void rowsOfDifferentLengthsInOnePartition() {
        List<Row> r = rows(6, 4);
        r.set(5, RowFactory.create(new Float[] {1f, 2f, 3f}, 2));
        Path p = parquet("ragged", GOOD, List.of(r));
        bad(analyze(p, "embedding", "label"), p + ":embedding", "row 5: has 3 values, but earlier rows have D = 4");
    }

    @Test
    void rowsOfDifferentLengthsAcrossPartitions() {
        Path p = parquet("ragged2", GOOD, List.of(rows(6, 4), rows(6, 3)));
        bad(analyze(p, "embedding", "label"), p + ":embedding", "rows of different lengths");
    }

    @Test
    void labelOutOfRange() {
        Path p = parquet("range", GOOD, List.of(rows(6, 4)));
        bad(analyze(p, "embedding", "label", "--classes", "2"), p + ":label", "label 2 is outside [0, 2) (K = 2)");
    }

    @Test
    void negativeLabel() {
        List<Row> r = rows(6, 4);
        r.set(1, RowFactory.create(new Float[] {1f, 2f, 3f, 4f}, -1));
        Path p = parquet("negative", GOOD, List.of(r));
        bad(analyze(p, "embedding", "label"), p + ":label", "label -1 is negative");
    }

    @Test
    void nullLabel() {
        List<Row> r = rows(6, 4);
        r.set(1, RowFactory.create(new Float[] {1f, 2f, 3f, 4f}, null));
        Path p = parquet("nulllabel", GOOD, List.of(r));
        bad(analyze(p, "embedding", "label", "--classes", "3"), p + ":label", "row 1: null label");
    }

    @Test
    void weightsOfAnotherDimension() throws Exception {
        Path p = parquet("wdim", GOOD, List.of(rows(6, 4)));
        Path w = tmp.resolve("w.npy");
        Npy.write(w, new float[3 * 5], 3, 5);
        bad(analyze(p, "embedding", "label", "--weights", w.toString()), p + ":embedding",
                "rows have D = 4 but the classifier's weights have D = 5");
    }

    @Test
    void noSuchFile() {
        Path p = tmp.resolve("absent.parquet");
        bad(analyze(p, "embedding", "label"), p.toString(), "no such file or directory");
    }

    @Test
    void xAndYFromDifferentFiles() {
        Path p = parquet("one", GOOD, List.of(rows(6, 4)));
        CliRun r = CliRun.run("analyze", "--quiet", "--spark", "local[2]", "--out", tmp.resolve("bad-out").toString(),
                "--train-x", p + ":embedding", "--train-y", tmp.resolve("other.parquet") + ":label");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("--train-x and --train-y must name columns of the same Parquet data"), r.err());
    }
}
