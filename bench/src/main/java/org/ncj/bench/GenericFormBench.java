package org.ncj.bench;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.ncj.DType;
import org.ncj.backend.Backend;
import org.ncj.backend.Batch;
import org.ncj.backend.CentredStats;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The alternative to generated twins that was measured and rejected (README "One source for the
 * float32 and float64 loops"): one generic SYRK kernel for both types, computing in float64 with
 * a rounding step after each operation when the type is float32 (exact: a float product fits a
 * double, and a double-rounded float sum is the float sum) and loading elements through
 * {@code MemorySegment}. It gives the generated twins' bits (checked in setup against the
 * backend's Java kernel, on means of zero so that centring changes nothing) but runs an order of
 * magnitude slower: the JIT does not turn it back into the float32/float64 vector loops. The
 * twins are timed through the backend (centring of zero means included, about 1% of the time).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgs = {"-Xmx2g", "--enable-native-access=ALL-UNNAMED", "-Dncj.cpu.javaSyrk=true"})
@State(Scope.Benchmark)
public class GenericFormBench {
    @Param({"FLOAT32", "FLOAT64"})
    public DType dtype;
    int n = 4096;
    int d = 256;
    float[] x;
    double[] xd;
    int[] y;
    double[] c;
    Backend backend;
    CentredStats stats;

    @Setup(Level.Trial)
    public void setup() {
        Random r = new Random(3);
        x = new float[n * d];
        xd = new double[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
            xd[i] = x[i];
        }
        y = new int[n];
        c = new double[d * d];
        backend = Backend.cpu();
        stats = backend.centredStats(new double[d], 1, d, dtype, true, false);
        for (int nn : new int[] {n, 257, 3}) {
            double[] twin;
            try (CentredStats s = backend.centredStats(new double[d], 1, d, dtype, true, false)) {
                s.add(Batch.of(java.util.Arrays.copyOf(x, nn * d), nn, d, new int[nn]));
                twin = s.scatter();
            }
            double[] generic = new double[d * d];
            if (dtype == DType.FLOAT32) {
                Generic.upperF32(java.util.Arrays.copyOf(x, nn * d), nn, d, generic);
            } else {
                Generic.upperF64(java.util.Arrays.copyOf(xd, nn * d), nn, d, generic);
            }
            for (int i = 0; i < d; i++) {
                for (int j = i; j < d; j++) {
                    if (Double.doubleToRawLongBits(twin[i * d + j]) != Double.doubleToRawLongBits(generic[i * d + j])) {
                        throw new AssertionError(dtype + " generic form differs from the twin at n=" + nn
                                + " (" + i + ", " + j + ")");
                    }
                }
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        stats.close();
        backend.close();
    }

    /** The generated twin (SyrkBandF32 / SyrkBandF64) through the backend. */
    @Benchmark
    public void generated() {
        stats.add(Batch.of(x, n, d, y));
    }

    /** The one generic form. */
    @Benchmark
    public void generic(Blackhole bh) {
        if (dtype == DType.FLOAT32) {
            Generic.upperF32(x, n, d, c);
        } else {
            Generic.upperF64(xd, n, d, c);
        }
        bh.consume(c);
    }

    static final class Generic {
        static final int ROWS = 4;

        static void upperF32(float[] x, int n, int d, double[] c) {
            MemorySegment s = MemorySegment.ofArray(x);
            IntStream.range(0, (d + ROWS - 1) / ROWS).parallel().forEach(g -> band(s, true, 256, n, d, g * ROWS, c));
        }

        static void upperF64(double[] x, int n, int d, double[] c) {
            MemorySegment s = MemorySegment.ofArray(x);
            IntStream.range(0, (d + ROWS - 1) / ROWS).parallel().forEach(g -> band(s, false, Integer.MAX_VALUE, n, d, g * ROWS, c));
        }

        private static double ld(MemorySegment x, boolean f32, int i) {
            return f32 ? x.getAtIndex(ValueLayout.JAVA_FLOAT, i) : x.getAtIndex(ValueLayout.JAVA_DOUBLE, i);
        }

        private static double r(boolean f32, double v) {
            return f32 ? (float) v : v;
        }

        private static void band(MemorySegment x, boolean f32, int chunk, int n, int d, int i0, double[] c) {
            int rows = Math.min(ROWS, d - i0);
            int w = d - i0;
            double[] a0 = new double[w];
            double[] a1 = new double[w];
            double[] a2 = new double[w];
            double[] a3 = new double[w];
            for (int t0 = 0, t1; t0 < n; t0 = t1) {
                t1 = t0 + Math.min(chunk, n - t0);
                java.util.Arrays.fill(a0, 0);
                java.util.Arrays.fill(a1, 0);
                java.util.Arrays.fill(a2, 0);
                java.util.Arrays.fill(a3, 0);
                int t = t0;
                for (; t + 3 < t1; t += 4) {
                    int o0 = t * d + i0;
                    int o1 = o0 + d;
                    int o2 = o1 + d;
                    int o3 = o2 + d;
                    double s00 = ld(x, f32, o0), s10 = ld(x, f32, o1), s20 = ld(x, f32, o2), s30 = ld(x, f32, o3);
                    double s01 = rows > 1 ? ld(x, f32, o0 + 1) : 0, s11 = rows > 1 ? ld(x, f32, o1 + 1) : 0;
                    double s21 = rows > 1 ? ld(x, f32, o2 + 1) : 0, s31 = rows > 1 ? ld(x, f32, o3 + 1) : 0;
                    double s02 = rows > 2 ? ld(x, f32, o0 + 2) : 0, s12 = rows > 2 ? ld(x, f32, o1 + 2) : 0;
                    double s22 = rows > 2 ? ld(x, f32, o2 + 2) : 0, s32 = rows > 2 ? ld(x, f32, o3 + 2) : 0;
                    double s03 = rows > 3 ? ld(x, f32, o0 + 3) : 0, s13 = rows > 3 ? ld(x, f32, o1 + 3) : 0;
                    double s23 = rows > 3 ? ld(x, f32, o2 + 3) : 0, s33 = rows > 3 ? ld(x, f32, o3 + 3) : 0;
                    for (int j = 0; j < w; j++) {
                        double x0 = ld(x, f32, o0 + j), x1 = ld(x, f32, o1 + j), x2 = ld(x, f32, o2 + j), x3 = ld(x, f32, o3 + j);
                        a0[j] = r(f32, a0[j] + r(f32, r(f32, r(f32, r(f32, s00 * x0) + r(f32, s10 * x1)) + r(f32, s20 * x2)) + r(f32, s30 * x3)));
                        a1[j] = r(f32, a1[j] + r(f32, r(f32, r(f32, r(f32, s01 * x0) + r(f32, s11 * x1)) + r(f32, s21 * x2)) + r(f32, s31 * x3)));
                        a2[j] = r(f32, a2[j] + r(f32, r(f32, r(f32, r(f32, s02 * x0) + r(f32, s12 * x1)) + r(f32, s22 * x2)) + r(f32, s32 * x3)));
                        a3[j] = r(f32, a3[j] + r(f32, r(f32, r(f32, r(f32, s03 * x0) + r(f32, s13 * x1)) + r(f32, s23 * x2)) + r(f32, s33 * x3)));
                    }
                }
                for (; t < t1; t++) {
                    int o = t * d + i0;
                    double s0 = ld(x, f32, o);
                    double s1 = rows > 1 ? ld(x, f32, o + 1) : 0;
                    double s2 = rows > 2 ? ld(x, f32, o + 2) : 0;
                    double s3 = rows > 3 ? ld(x, f32, o + 3) : 0;
                    for (int j = 0; j < w; j++) {
                        double xj = ld(x, f32, o + j);
                        a0[j] = r(f32, a0[j] + r(f32, s0 * xj));
                        a1[j] = r(f32, a1[j] + r(f32, s1 * xj));
                        a2[j] = r(f32, a2[j] + r(f32, s2 * xj));
                        a3[j] = r(f32, a3[j] + r(f32, s3 * xj));
                    }
                }
                double[][] acc = {a0, a1, a2, a3};
                for (int rr = 0; rr < rows; rr++) {
                    double[] a = acc[rr];
                    int base = (i0 + rr) * d + i0;
                    for (int j = rr; j < w; j++) {
                        c[base + j] += a[j];
                    }
                }
            }
        }
    }
}
