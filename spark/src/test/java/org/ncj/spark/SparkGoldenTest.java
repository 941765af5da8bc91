package org.ncj.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.ncj.DType;
import org.ncj.accumulate.Classifier;
import org.ncj.backend.Backend;
import org.ncj.golden.GoldenContract;
import org.ncj.testutil.Golden;

/**
 * Every golden case through Spark, from Parquet files this test writes, equals the reference
 * within the golden tolerances (those of the core's {@link GoldenContract}): in 1, 3 and 8
 * partitions (the 8 with one empty partition and classes present in one partition only), with two
 * passes and with one, in float64 and float32.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SparkGoldenTest {
    private SparkSession spark;
    private Backend driver;

    /** Parquet files written once per class, shared by the tests (a per-method @TempDir would not be). */
    private Path tmp;

    private final Map<String, Path> written = new HashMap<>();

    @BeforeAll
    void start() {
        spark = SparkTests.session();
        driver = Backend.cpu();
        try {
            tmp = java.nio.file.Files.createTempDirectory("ncj-spark-golden");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterAll
    void stop() {
        driver.close();
        spark.stop();
        try (Stream<Path> files = java.nio.file.Files.walk(tmp)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Each case in 1, 3 and 8 part files (the 8-file layout with an empty partition and a class
     * held by one partition only), each in both pass modes and both dtypes.
     */
    static Stream<Arguments> cases() {
        List<Arguments> a = new ArrayList<>();
        for (String c : Golden.CASES) {
            for (int parts : new int[] {1, 3, 8}) {
                for (boolean onePass : new boolean[] {false, true}) {
                    for (DType t : DType.values()) {
                        a.add(Arguments.of(c, parts, onePass, t));
                    }
                }
            }
        }
        return a.stream();
    }

    private Path parquet(Golden g, String split, float[] x, int[] y, int parts, SparkTests.Storage s) {
        String key = g.name() + "/" + split + "-" + parts + "-" + s;
        return written.computeIfAbsent(key, k -> SparkTests.write(spark, tmp.resolve(k), x, y, g.d(), parts, parts == 8, s));
    }

    private SparkAnalysis.Input input(Golden g, String split, float[] x, int[] y, int parts, SparkTests.Storage s) {
        Path dir = parquet(g, split, x, y, parts, s);
        return new SparkAnalysis.Input(spark.read().parquet(dir.toString()), "embedding", "label", dir.toString());
    }

    @ParameterizedTest(name = "{0} parts={1} onePass={2} {3}")
    @MethodSource("cases")
    void goldenThroughSpark(String caseName, int parts, boolean onePass, DType dtype) throws Exception {
        check(caseName, parts, onePass, dtype, SparkTests.Storage.FLOAT);
    }

    /** array<double> and ML Vector columns (dense and sparse rows) read the same numbers. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("storages")
    void otherColumnTypes(SparkTests.Storage storage) throws Exception {
        check("small", 3, false, DType.FLOAT64, storage);
    }

    static Stream<SparkTests.Storage> storages() {
        return Stream.of(SparkTests.Storage.DOUBLE, SparkTests.Storage.VECTOR);
    }

    private void check(String caseName, int parts, boolean onePass, DType dtype, SparkTests.Storage storage) throws Exception {
        Golden g = Golden.load(caseName);
        SparkAnalysis.Input train = input(g, "train", g.trainX(), g.trainY(), parts, storage);
        SparkAnalysis.Input test = input(g, "test", g.testX(), g.testY(), parts, storage);
        SparkAnalysis.Input ood = input(g, "ood", g.oodX(), g.oodY(), parts, storage);
        if (parts == 8) {
            checkLayout(train.data(), g.k());
        } else {
            assertEquals(parts, train.data().javaRDD().getNumPartitions(), "partitions read");
        }
        SparkAnalysis.Settings s = SparkAnalysis.Settings.DEFAULT.withDtype(dtype).withOnePass(onePass).withBatchRows(512)
                .withBackend("cpu");
        SparkAnalysis.Result r = new SparkAnalysis(s).run(driver, null, train, test, Classifier.of(g.weights(), g.k(), g.d()), ood);
        assertArrayEquals(g.expectedCounts(), r.means().counts(), "counts");
        assertEquals(g.trainY().length, r.trainRows());
        assertEquals(g.testY().length, r.testRows());
        assertEquals(g.oodY().length, r.oodRows());
        List<String> failures = new ArrayList<>();
        for (Map.Entry<String, Double> e : g.metrics().entrySet()) {
            Double ours = r.metrics().asMap().get(e.getKey());
            if (ours == null) {
                failures.add(e.getKey() + ": not computed");
                continue;
            }
            double[] tol = GoldenContract.tolerance(caseName, e.getKey(), dtype);
            double bound = tol[1] + tol[0] * Math.abs(e.getValue());
            if (!(Math.abs(ours - e.getValue()) <= bound)) {
                failures.add(String.format("%s: got %.17g, expected %.17g (|diff| %.3g > %.3g)", e.getKey(), ours, e.getValue(),
                        Math.abs(ours - e.getValue()), bound));
            }
        }
        double[] tol = dtype == DType.FLOAT64 ? new double[] {1e-9, 1e-12} : new double[] {1e-4, 1e-6};
        double[] means = r.means().means();
        double[] expected = g.expected("means");
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(means[i] - expected[i]) <= tol[1] + tol[0] * Math.abs(expected[i]))) {
                failures.add("means[" + i + "]: got " + means[i] + ", expected " + expected[i]);
                break;
            }
        }
        if (!failures.isEmpty()) {
            fail(caseName + " parts=" + parts + (onePass ? " one pass " : " two passes ") + dtype + " " + storage + ":\n  "
                    + String.join("\n  ", failures));
        }
    }

    /** The 8-file layout: 9 partitions, one of them empty, and a class that only one partition holds. */
    private static void checkLayout(Dataset<Row> train, int k) {
        List<Set<Integer>> labels = train.select("label").javaRDD().mapPartitions(it -> {
            Set<Integer> seen = new HashSet<>();
            it.forEachRemaining(r -> seen.add(r.getInt(0)));
            return List.of(seen).iterator();
        }).collect();
        assertEquals(9, labels.size(), "8 part files and an empty one");
        assertTrue(labels.stream().anyMatch(Set::isEmpty), "an empty partition");
        boolean confined = false;
        for (int c = 0; c < k; c++) {
            int holders = 0;
            for (Set<Integer> p : labels) {
                holders += p.contains(c) ? 1 : 0;
            }
            confined |= holders == 1;
        }
        assertTrue(confined, "a class present in one partition only");
    }
}
