package org.ncj.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.ncj.DType;
import org.ncj.cli.CliRun;
import org.ncj.testutil.Golden;

/**
 * {@code ./ncj analyze} on every golden case, in float64 and float32, with two passes and with
 * {@code --one-pass}, reproduces
 * {@code expected.json} within the golden README's tolerances (those of {@link GoldenContract}).
 */
class CliGoldenTest {

    @TempDir
    Path tmp;

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> cases() {
        return GoldenContract.cases().flatMap(a -> java.util.stream.Stream.of(
                org.junit.jupiter.params.provider.Arguments.of(a.get()[0], a.get()[1], false),
                org.junit.jupiter.params.provider.Arguments.of(a.get()[0], a.get()[1], true)));
    }

    @ParameterizedTest(name = "{0} {1} one-pass={2}")
    @MethodSource("cases")
    @SuppressWarnings("unchecked")
    void analyzeReproducesExpected(String caseName, DType dtype, boolean onePass) throws Exception {
        Golden g = Golden.load(caseName);
        Path dir = g.dir();
        Path out = tmp.resolve(caseName + "-" + dtype + (onePass ? "-1" : "-2"));
        CliRun r = CliRun.run("analyze", "--quiet", "--backend", "cpu", "--dtype", dtype.name().toLowerCase(), onePass ? "--one-pass" : "--batch=4096",
                "--train-x", dir.resolve("train_x.npy").toString(), "--train-y", dir.resolve("train_y.npy").toString(),
                "--test-x", dir.resolve("test_x.npy").toString(), "--test-y", dir.resolve("test_y.npy").toString(),
                "--weights", dir.resolve("weights.npy").toString(),
                "--ood-x", dir.resolve("ood_x.npy").toString(), "--ood-y", dir.resolve("ood_y.npy").toString(),
                "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        Map<String, Object> json = CliRun.json(out.resolve("metrics.json"));
        Map<String, Object> metrics = (Map<String, Object>) json.get("metrics");
        List<String> failures = new ArrayList<>();
        for (Map.Entry<String, Double> e : g.metrics().entrySet()) {
            Object ours = metrics.get(e.getKey());
            if (!(ours instanceof Double v)) {
                failures.add(e.getKey() + ": missing or null in metrics.json");
                continue;
            }
            GoldenContract.close(e.getKey(), v, e.getValue(), GoldenContract.tolerance(caseName, e.getKey(), dtype), failures);
        }
        if (!g.metrics().containsKey("nc1_svd")) {
            GoldenContract.close("nc1_svd (= nc1_pinv)", (Double) metrics.get("nc1_svd"), (Double) metrics.get("nc1_pinv"),
                    new double[] {1e-12, 0}, failures);
        }
        Map<String, Object> classes = (Map<String, Object>) json.get("classes");
        assertEquals(g.k(), ((Double) classes.get("K")).intValue());
        assertEquals(g.k(), ((Double) classes.get("selected")).intValue());
        assertEquals(dtype.name().toLowerCase(), json.get("dtype"));
        assertEquals("cpu", json.get("backend"));
        assertTrue(Files.size(out.resolve("report.html")) > 1000);
        List<String> csv = Files.readAllLines(out.resolve("per_class.csv"));
        assertEquals(g.k() + 1, csv.size(), "header + one row per class");
        if (!failures.isEmpty()) {
            fail(caseName + " " + dtype + (onePass ? " one pass" : " two passes") + ":\n  " + String.join("\n  ", failures));
        }
    }
}
