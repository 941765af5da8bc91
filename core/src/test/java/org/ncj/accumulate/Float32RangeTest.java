package org.ncj.accumulate;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.ncj.DType;
import org.ncj.backend.Backend;
import org.ncj.golden.GoldenContract;
import org.ncj.golden.GoldenPipeline;
import org.ncj.testutil.Golden;

/**
 * float32 far from the origin and at extreme scales, on the golden {@code small} case (issue 12,
 * items 11 and 12). The data are the golden files moved or scaled and rounded to float32, i.e. a
 * new float32 file; the float64 run on the same floats is the reference for offsets, the golden
 * (unscaled) values for power-of-two scales. Every figure is printed, so the table of the closing
 * note comes from this test ({@code -Dtest=Float32RangeTest}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public class Float32RangeTest {
    /** The one measure a scale s changes: the uniform duality (a variance of w·m̃) by s². */
    static final Set<String> SCALED = Set.of("nc3u_uni_dual");

    private Backend backend;

    /** The backend under test (the CPU here; {@code CudaFloat32RangeTest} runs the same on a GPU). */
    protected Backend createBackend() {
        return Backend.cpu();
    }

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

    static Golden transform(Golden g, double offset, double scale) {
        return new Golden(g.name(), g.k(), g.d(), map(g.trainX(), offset, scale), g.trainY(), map(g.testX(), offset, scale),
                g.testY(), map(g.oodX(), offset, scale), g.oodY(), g.weights(), g.metrics(), g.dir());
    }

    static float[] map(float[] x, double offset, double scale) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (float) (x[i] * scale + offset);
        }
        return y;
    }

    static String label(double s) {
        int e = Math.getExponent(s);
        return s == Math.scalb(1.0, e) ? "2^" + e : String.format(Locale.ROOT, "%.0e", s);
    }

    static double rel(double a, double b) {
        if (Double.isNaN(a) || Double.isNaN(b)) {
            return Double.isNaN(a) && Double.isNaN(b) ? 0 : Double.POSITIVE_INFINITY;
        }
        return a == b ? 0 : Math.abs(a - b) / Math.abs(b);
    }

    /** Worst relative error per metric of {@code got} against {@code ref}, printed. */
    static double report(String label, Map<String, Double> got, Map<String, Double> ref, Set<String> skip,
                         List<String> failures, java.util.function.Function<String, double[]> tolerance) {
        double worst = 0;
        String worstName = "";
        StringBuilder line = new StringBuilder();
        for (var e : ref.entrySet()) {
            if (skip.contains(e.getKey())) {
                continue;
            }
            Double a = got.get(e.getKey());
            double r = a == null ? Double.POSITIVE_INFINITY : rel(a, e.getValue());
            if (r > worst) {
                worst = r;
                worstName = e.getKey();
            }
            line.append(String.format(Locale.ROOT, " %s=%.2e", e.getKey(), r));
            double[] tol = tolerance.apply(e.getKey());
            if (a == null || !(Math.abs(a - e.getValue()) <= tol[1] + tol[0] * Math.abs(e.getValue()))) {
                failures.add(String.format(Locale.ROOT, "%s %s: %s against %s (relative %.3g > rtol %.1g, atol %.1g)", label,
                        e.getKey(), a, e.getValue(), r, tol[0], tol[1]));
            }
        }
        System.out.printf(Locale.ROOT, "float32 %-14s worst %.3e (%s)%n   %s%n", label, worst, worstName, line);
        return worst;
    }

    /**
     * Item 11: offsets 10^4 and 10^6, every measure in float32 within 1e-3 of float64 on the same
     * file (the issue asks it of 10^4; before the fix: 8e-3 at 10^4, a factor 97 at 10^6).
     */
    @Test
    public void offsetCostsNothingBeyondTheInputBits() {
        Golden g = Golden.load("small");
        List<String> failures = new ArrayList<>();
        for (double off : new double[] {1e4, 1e6}) {
            Golden t = transform(g, off, 1.0);
            Map<String, Double> f64 = GoldenPipeline.run(t, backend, DType.FLOAT64).metrics();
            Map<String, Double> f32 = GoldenPipeline.run(t, backend, DType.FLOAT32).metrics();
            double tol = 1e-3;
            report(String.format(Locale.ROOT, "offset %.0e", off), f32, f64, Set.of(), failures, name -> new double[] {tol, 0});
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    /**
     * Item 12: data scaled by 2^-100 and 2^100 give the unscaled scale-free measures within the
     * float32 golden tolerances; 10^-30, 10^18 and 10^30 (not exact scalings of the floats) are
     * held to the same tolerance.
     */
    @Test
    public void extremeScalesGiveTheScaleFreeMeasures() {
        Golden g = Golden.load("small");
        List<String> failures = new ArrayList<>();
        for (double s : new double[] {1e-30, 0x1p-100, 0x1p100, 1e18, 1e30}) {
            Golden t = transform(g, 0, s);
            Map<String, Double> f32 = GoldenPipeline.run(t, backend, DType.FLOAT32).metrics();
            report("scale " + label(s), f32, g.metrics(), SCALED, failures,
                    name -> GoldenContract.tolerance("small", name, DType.FLOAT32));
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }
}
