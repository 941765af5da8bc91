package org.ncj.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.ncj.DType;
import org.ncj.accumulate.Agreement;
import org.ncj.accumulate.Classifier;
import org.ncj.accumulate.CovarAccumulator;
import org.ncj.accumulate.DecAccumulator;
import org.ncj.accumulate.MeanAccumulator;
import org.ncj.accumulate.Means;
import org.ncj.accumulate.VarNormAccumulator;
import org.ncj.backend.Backend;
import org.ncj.cli.CliRun;
import org.ncj.io.BadInputException;
import org.ncj.io.Json;
import org.ncj.io.Npy;
import org.ncj.measure.MetricSet;
import org.ncj.measure.Statistics;
import org.ncj.testutil.Golden;

/**
 * The library pipeline against the accumulators of the Python package's vocabulary fed by hand
 * (Mean, Covar, VarNorm, Dec), on a golden case: one and two passes, with and without an
 * evaluation set, classifier and OOD data; bad labels; the JSON the command line writes.
 */
class AnalysisTest {
    private static final Golden G = Golden.load("small");

    private static Analysis.Data train() {
        return Analysis.Data.of("train_x", G.trainX(), G.d(), "train_y", G.trainY());
    }

    private static Analysis.Data test() {
        return Analysis.Data.of("test_x", G.testX(), G.d(), "test_y", G.testY());
    }

    private static Analysis.Data ood() {
        return Analysis.Data.of("ood_x", G.oodX(), G.d(), "ood_y", G.oodY());
    }

    private static Classifier classifier() {
        return Classifier.of(G.weights(), G.k(), G.d());
    }

    /** The Python package's README pipeline, by hand, in one batch per pass. */
    private static Map<String, Double> byHand(Backend be, DType dtype, boolean withTest, boolean withClassifier, boolean withOod) {
        int k = G.k();
        int d = G.d();
        try (MeanAccumulator ma = new MeanAccumulator(k, d, be, dtype)) {
            ma.accumulate(G.trainX(), G.trainY());
            Means means = ma.compute();
            Statistics s = Statistics.of(means);
            try (CovarAccumulator c = new CovarAccumulator(be, means); VarNormAccumulator v = new VarNormAccumulator(be, means)) {
                c.accumulate(G.trainX(), G.trainY(), means);
                v.accumulate(G.trainX(), G.trainY(), means);
                s = s.withWithinClass(c.compute(), v.compute());
            }
            if (withClassifier) {
                s = s.withClassifier(classifier());
                try (DecAccumulator dec = new DecAccumulator(be, means, classifier())) {
                    dec.accumulate(withTest ? G.testX() : G.trainX(), withTest ? G.testY() : G.trainY());
                    Agreement a = dec.compute();
                    s = s.withAgreement(a);
                }
            }
            if (withOod) {
                int kOod = java.util.Arrays.stream(G.oodY()).max().orElseThrow() + 1;
                try (MeanAccumulator o = new MeanAccumulator(kOod, d, be, dtype)) {
                    o.accumulate(G.oodX(), G.oodY());
                    s = s.withOodMean(o.compute().globalMean());
                }
            }
            return MetricSet.compute(be, s, MetricSet.Options.DEFAULT);
        }
    }

    private static void assertClose(Map<String, Double> expected, Map<String, Double> actual, double rtol, String what) {
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(actual.keySet()), what + ": names and order");
        for (Map.Entry<String, Double> e : expected.entrySet()) {
            double a = actual.get(e.getKey());
            double x = e.getValue();
            assertTrue(Math.abs(a - x) <= rtol * Math.max(1e-12, Math.abs(x)), what + ": " + e.getKey() + " = " + a + ", expected " + x);
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void everyCombinationOfInputsEqualsTheAccumulatorsFedByHand(DType dtype) throws IOException {
        double rtol = dtype == DType.FLOAT64 ? 1e-10 : 1e-4;
        try (Backend be = Backend.cpu(); Analysis a = Analysis.builder().backend(be).dtype(dtype).batchRows(100).build()) {
            for (int mask = 0; mask < 8; mask++) {
                boolean withTest = (mask & 1) != 0;
                boolean withClassifier = (mask & 2) != 0;
                boolean withOod = (mask & 4) != 0;
                Analysis.Inputs in = Analysis.Inputs.train(train()).withClasses(G.k());
                in = withTest ? in.withTest(test()) : in;
                in = withClassifier ? in.withClassifier(classifier()) : in;
                in = withOod ? in.withOod(ood()) : in;
                Analysis.Result r = a.run(in);
                String what = dtype + " test " + withTest + ", classifier " + withClassifier + ", ood " + withOod;
                assertClose(byHand(be, dtype, withTest, withClassifier, withOod), r.metrics().asMap(), rtol, what);
                assertEquals(withClassifier, r.metrics().has("nc3_dual_err"), what);
                assertEquals(withClassifier, r.metrics().has("nc4_agree"), what);
                assertEquals(withOod, r.metrics().has("nc5_ood_dev"), what);
                assertEquals(withOod, r.oodMeans() != null, what);
                assertEquals(!withTest, r.agreementOnTrain(), what);
                assertEquals(G.k(), r.k());
                List<String> phases = new ArrayList<>(List.of("means", "covariance"));
                if (withClassifier) {
                    phases.add("decisions");
                }
                if (withOod) {
                    phases.add(0, "scan");
                    phases.add("ood");
                }
                phases.add("measures");
                assertEquals(phases.stream().sorted().toList(), r.seconds().keySet().stream().sorted().toList(), what);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void onePassAgreesWithTwoPasses(DType dtype) throws IOException {
        Analysis.Inputs in = Analysis.Inputs.train(train()).withTest(test()).withClassifier(classifier()).withOod(ood());
        Analysis.Result two;
        Analysis.Result one;
        try (Analysis a = Analysis.builder().backend("cpu").dtype(dtype).batchRows(77).build()) {
            two = a.run(in);
        }
        try (Analysis a = Analysis.builder().backend("cpu").dtype(dtype).batchRows(77).onePass(true).build()) {
            one = a.run(in);
        }
        assertClose(two.metrics().asMap(), one.metrics().asMap(), dtype == DType.FLOAT64 ? 1e-9 : 1e-3, dtype + " one pass");
        assertArrayEquals(two.means().counts(), one.means().counts());
        assertArrayEquals(two.means().means(), one.means().means(), dtype == DType.FLOAT64 ? 1e-12 : 1e-5);
        assertTrue(one.seconds().containsKey("one_pass") && !one.seconds().containsKey("covariance"));
    }

    @Test
    void classesComeFromTheClassifierElseTheLabels() throws IOException {
        try (Analysis a = Analysis.builder().backend("cpu").build()) {
            assertEquals(G.k(), a.run(Analysis.Inputs.train(train()).withClassifier(classifier())).k());
            int maxLabel = java.util.Arrays.stream(G.trainY()).max().orElseThrow();
            Analysis.Result r = a.run(Analysis.Inputs.train(train()));
            assertEquals(maxLabel + 1, r.k());
            assertTrue(r.seconds().containsKey("scan"));
        }
    }

    /**
     * A backend whose stateful operations (class sums, centred statistics, decisions) are counted
     * when opened and when closed, to see that a failed run leaves none open.
     */
    private static final class Counting {
        int opened;
        int closed;

        Backend wrap(Backend be) {
            InvocationHandler h = (proxy, m, args) -> {
                Object r = invoke(m, be, args);
                if (r instanceof AutoCloseable && m.getReturnType().isInterface() && !m.getName().equals("close")) {
                    opened++;
                    return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {m.getReturnType()},
                            (p2, m2, a2) -> {
                                if (m2.getName().equals("close") && m2.getParameterCount() == 0) {
                                    closed++;
                                }
                                return invoke(m2, r, a2);
                            });
                }
                return r;
            };
            return (Backend) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Backend.class}, h);
        }

        private static Object invoke(java.lang.reflect.Method m, Object target, Object[] args) throws Throwable {
            try {
                return m.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }
    }

    /** The data set holding the bad label. */
    enum Where { TRAIN, TEST, OOD }

    @ParameterizedTest
    @EnumSource(Where.class)
    void aBadLabelNamesFileAndRowAndLeavesNothingOpen(Where where) throws IOException {
        int[] trainY = G.trainY().clone();
        int[] testY = G.testY().clone();
        int[] oodY = G.oodY().clone();
        int row = 150;   // in the second batch of 100
        switch (where) {
            case TRAIN -> trainY[row] = G.k();
            case TEST -> testY[row] = -1;
            case OOD -> oodY[row] = -2;
        }
        String file = switch (where) {
            case TRAIN -> "train_y";
            case TEST -> "test_y";
            case OOD -> "ood_y";
        };
        Counting counting = new Counting();
        try (Backend cpu = Backend.cpu()) {
            Backend be = counting.wrap(cpu);
            try (Analysis a = Analysis.builder().backend(be).batchRows(100).build()) {
                Analysis.Inputs bad = Analysis.Inputs.train(Analysis.Data.of("train_x", G.trainX(), G.d(), "train_y", trainY))
                        .withClasses(G.k()).withClassifier(classifier())
                        .withTest(Analysis.Data.of("test_x", G.testX(), G.d(), "test_y", testY))
                        .withOod(Analysis.Data.of("ood_x", G.oodX(), G.d(), "ood_y", oodY));
                BadInputException e = assertThrows(BadInputException.class, () -> a.run(bad));
                String expected = switch (where) {
                    case TRAIN -> "train_y: row 150: label " + G.k() + " is outside [0, " + G.k() + ") (K = " + G.k() + ")";
                    case TEST -> "test_y: row 150: label -1 is outside [0, " + G.k() + ") (K = " + G.k() + ")";
                    case OOD -> "ood_y: row 150: label -2 is negative";
                };
                assertEquals(expected, e.getMessage());
                assertEquals(file, e.file());
                assertTrue(counting.opened > 0, "the run opened backend operations");
                assertEquals(counting.opened, counting.closed, "every backend operation of the failed run is closed");
                // Nothing of the failed run remains: the next run equals one on a fresh analysis.
                Analysis.Inputs good = Analysis.Inputs.train(train()).withClasses(G.k()).withClassifier(classifier())
                        .withTest(test()).withOod(ood());
                Analysis.Result after = a.run(good);
                try (Analysis fresh = Analysis.builder().backend(cpu).batchRows(100).build()) {
                    assertEquals(fresh.run(good).metrics(), after.metrics());
                }
                assertFalse(after.seconds().isEmpty());
                assertEquals(counting.opened, counting.closed);
            }
        }
    }

    @Test
    void metricsJsonIsWhatTheCommandLineWritesAndReadsBack(@TempDir Path dir) throws IOException {
        Path x = dir.resolve("train_x.npy");
        Path y = dir.resolve("train_y.npy");
        Path w = dir.resolve("weights.npy");
        Npy.write(x, G.trainX(), G.trainY().length, G.d());
        Npy.write(y, G.trainY(), G.trainY().length);
        Npy.write(w, G.weights(), G.k(), G.d());
        Path out = dir.resolve("out");
        CliRun cli = CliRun.analyze(out, "--train-x", x.toString(), "--train-y", y.toString(), "--weights", w.toString(),
                "--dtype", "float64");
        assertEquals(0, cli.exit(), cli.err());
        Map<String, Object> written = CliRun.json(out.resolve("metrics.json"));
        @SuppressWarnings("unchecked")
        Map<String, Object> cliMetrics = (Map<String, Object>) written.get("metrics");
        Analysis.Result r;
        try (Analysis a = Analysis.builder().backend("cpu").dtype(DType.FLOAT64).build()) {
            r = a.run(Analysis.Inputs.train(Analysis.Data.of("x", G.trainX(), G.d(), "y", G.trainY()))
                    .withClassifier(classifier()));
        }
        // The same text as the "metrics" object of metrics.json, written alone.
        assertEquals(Json.write(new LinkedHashMap<>(cliMetrics)), r.metrics().toJson());
        String fileText = Files.readString(out.resolve("metrics.json"));
        String indented = r.metrics().toJson().stripTrailing().replace("\n", "\n  ");
        assertTrue(fileText.contains("\"metrics\": " + indented), "metrics.json holds the object as toJson() writes it");
        // Read back: the same names, order and values.
        Metrics back = Metrics.fromJson(r.metrics().toJson());
        assertEquals(r.metrics().asMap(), back.asMap());
        assertEquals(List.copyOf(r.metrics().asMap().keySet()), List.copyOf(back.asMap().keySet()));
        assertEquals(r.metrics(), back, "float64 has no precision notes");
    }

    @Test
    void nonFiniteValuesAreNullInJsonAndNaNWhenRead() {
        Map<String, Double> v = new LinkedHashMap<>();
        v.put("nc1_pinv", 0.25);
        v.put("nc2_etf_err", Double.NaN);
        Metrics m = Metrics.of(v, DType.FLOAT32);
        assertEquals("{\n  \"nc1_pinv\": 0.25,\n  \"nc2_etf_err\": null\n}\n", m.toJson());
        assertEquals(1, m.notes().size(), "float32 NaN gets a precision note");
        assertTrue(Double.isNaN(Metrics.fromJson(m.toJson()).get("nc2_etf_err")));
        assertThrows(java.util.NoSuchElementException.class, () -> m.get("nc5_ood_dev"));
        assertThrows(IllegalArgumentException.class, () -> Metrics.fromJson("[1, 2]"));
    }
}
