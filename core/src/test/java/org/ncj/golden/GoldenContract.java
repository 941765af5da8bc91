package org.ncj.golden;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.ncj.DType;
import org.ncj.backend.Backend;
import org.ncj.measure.Nc2Geometry;
import org.ncj.measure.Nc3Duality;
import org.ncj.testutil.Golden;

/**
 * The golden suite: every scalar and every expected array of {@code core/src/test/resources/golden}, in float64 and
 * float32, with the README's tolerances. Subclassed once per backend.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class GoldenContract {
    private Backend backend;

    /** The backend under test; called once. */
    protected abstract Backend createBackend();

    @BeforeAll
    void open() {
        backend = createBackend();
    }

    @AfterAll
    void close() {
        if (backend != null) {
            backend.close();
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> a = new ArrayList<>();
        for (String c : Golden.CASES) {
            for (DType t : DType.values()) {
                a.add(Arguments.of(c, t));
            }
        }
        return a.stream();
    }

    /** {rtol, atol} for one metric, from golden/README.md. */
    public static double[] tolerance(String caseName, String metric, DType dtype) {
        if (dtype == DType.FLOAT32) {
            if (caseName.equals("collapsed") && metric.startsWith("nc1")) {
                return new double[] {1e-3, 1e-6};
            }
            if (metric.equals("nc2g_riesz_var")) {
                return new double[] {1e-3, 1e-6};
            }
            return new double[] {1e-4, 1e-6};
        }
        if (metric.equals("nc2g_riesz_var")) {
            return new double[] {1e-3, 1e-7};
        }
        if (metric.equals("nc1_cdnv") || metric.startsWith("nc2g_")) {
            return new double[] {1e-5, 1e-7};
        }
        return new double[] {1e-9, 1e-12};
    }

    static void close(String what, double actual, double expected, double[] tol, List<String> failures) {
        double bound = tol[1] + tol[0] * Math.abs(expected);
        if (!(Math.abs(actual - expected) <= bound)) {
            failures.add(String.format("%s: got %.17g, expected %.17g (|diff| %.3g > %.3g)", what, actual, expected,
                    Math.abs(actual - expected), bound));
        }
    }

    static void closeArray(String what, double[] actual, double[] expected, double[] tol, List<String> failures) {
        if (actual.length != expected.length) {
            failures.add(what + ": length " + actual.length + " != " + expected.length);
            return;
        }
        for (int i = 0; i < actual.length; i++) {
            double bound = tol[1] + tol[0] * Math.abs(expected[i]);
            if (!(Math.abs(actual[i] - expected[i]) <= bound)) {
                failures.add(String.format("%s[%d]: got %.17g, expected %.17g", what, i, actual[i], expected[i]));
                return;
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void scalarsMatchReference(String caseName, DType dtype) {
        Golden g = Golden.load(caseName);
        GoldenPipeline p = GoldenPipeline.run(g, backend, dtype);
        List<String> failures = new ArrayList<>();
        int compared = 0;
        for (Map.Entry<String, Double> e : g.metrics().entrySet()) {
            Double ours = p.metrics().get(e.getKey());
            if (ours == null) {
                failures.add(e.getKey() + ": not computed");
                continue;
            }
            close(e.getKey(), ours, e.getValue(), tolerance(caseName, e.getKey(), dtype), failures);
            compared++;
        }
        if (!g.metrics().containsKey("nc1_svd")) {
            // The Python package cannot compute it (K - 1 >= D); ours must equal nc1_pinv.
            close("nc1_svd (= nc1_pinv)", p.metrics().get("nc1_svd"), p.metrics().get("nc1_pinv"), new double[] {1e-12, 0},
                    failures);
        }
        assertEquals(g.metrics().size(), compared, "every reference scalar compared");
        assertTrue(compared >= 16, "compared only " + compared + " metrics");
        if (!failures.isEmpty()) {
            fail(caseName + " " + dtype + ":\n  " + String.join("\n  ", failures));
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void arraysMatchReference(String caseName, DType dtype) {
        Golden g = Golden.load(caseName);
        GoldenPipeline p = GoldenPipeline.run(g, backend, dtype);
        double[] tol = dtype == DType.FLOAT64 ? new double[] {1e-9, 1e-12} : new double[] {1e-4, 1e-6};
        List<String> failures = new ArrayList<>();
        assertArrayEquals(g.expectedCounts(), p.means().counts(), "counts");
        closeArray("means", p.means().means(), g.expected("means"), tol, failures);
        closeArray("global_mean", p.means().globalMean(), g.expected("global_mean"), tol, failures);
        closeArray("var_norms", p.vn().values(), g.expected("var_norms"), tol, failures);
        closeArray("mean_norms", Nc2Geometry.meanNorms(p.means()), g.expected("mean_norms"), tol, failures);
        closeArray("similarities", Nc3Duality.similarities(p.classifier(), p.means(), false), g.expected("similarities"), tol,
                failures);
        closeArray("distance_norms", Nc3Duality.distanceNorms(p.classifier(), p.means()), g.expected("distance_norms"), tol,
                failures);
        if (g.has("covariance")) {
            double[] cov = p.sw().sigmaW();
            double[] exp = g.expected("covariance");
            double scale = 0;
            for (double v : exp) {
                scale = Math.max(scale, Math.abs(v));
            }
            // Entries near zero get an absolute tolerance relative to the matrix's scale.
            closeArray("covariance", cov, exp, new double[] {tol[0], tol[0] * scale}, failures);
        }
        // The reference's OOD global mean divides the sum of per-label means by K, counting labels
        // absent from the OOD set as zero means; ours averages the labels present. The direction
        // (all that NC5 uses) is the same: rescale ours by present / K to compare.
        double[] ood = p.ood().globalMean();
        double scale = (double) p.ood().numSelected() / g.k();
        for (int j = 0; j < ood.length; j++) {
            ood[j] *= scale;
        }
        closeArray("ood_global_mean", ood, g.expected("ood_global_mean"), tol, failures);
        assertEquals(g.k(), p.means().numSelected());
        if (!failures.isEmpty()) {
            fail(caseName + " " + dtype + ":\n  " + String.join("\n  ", failures));
        }
    }
}
