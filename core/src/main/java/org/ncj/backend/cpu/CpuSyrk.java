package org.ncj.backend.cpu;

import java.lang.reflect.Method;

import dev.ludovic.netlib.blas.BLAS;

/**
 * Symmetric rank-n update {@code C += XᵀX} (upper triangle) for a row-major n×d batch X, the
 * within-class covariance's inner loop.
 *
 * <p>With a native BLAS on the system ({@code libblas.so.3}, e.g. Debian's OpenBLAS, found by
 * {@code dev.ludovic.netlib}) the update is BLAS {@code ssyrk}/{@code dsyrk}: measured here at
 * 5–10× the Java kernel below (bench/RESULTS.md). Without one, the Java kernel runs.
 *
 * <p>Blocked for the JIT's auto-vectoriser: a task owns 4 output rows and walks the samples 4 at
 * a time, so each pass over a contiguous column range does 16 multiply-adds per 4 loads of X and
 * 4 load/stores of the accumulators, in a form C2 turns into vector instructions. Products are
 * accumulated in the working type over {@value #CHUNK} samples, then added to the float64 C.
 * Tasks own disjoint rows of C, so the result does not depend on the number of threads.
 */
final class CpuSyrk {
    /** Samples accumulated in the working type before the float64 flush. */
    static final int CHUNK = 256;
    /** Output rows per task. */
    private static final int ROWS = 4;

    private CpuSyrk() {
    }

    /** Rows per native float32 SYRK call before its float partial is added to the float64 C. */
    static final int NATIVE_CHUNK = 1024;

    private static final BLAS NATIVE = nativeBlas();

    private static BLAS nativeBlas() {
        if (Boolean.getBoolean("ncj.cpu.javaSyrk")) {
            return null;
        }
        // Only the native (JNI) implementation is wanted: without it the Java kernel below runs.
        // BLAS.getInstance() would also build netlib's Java fallbacks, first trying VectorBLAS,
        // which needs the incubator module jdk.incubator.vector and otherwise logs a warning
        // ("Failed to load implementation from: ...VectorBLAS") into a library user's log. So
        // the JNI class is asked directly (its factory is public, the class package-private).
        try {
            Method factory = Class.forName("dev.ludovic.netlib.blas.JNIBLAS").getMethod("getInstance");
            factory.setAccessible(true);
            return (BLAS) factory.invoke(null);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null; // no libblas.so.3 (or a netlib without that class): the Java kernel runs
        }
    }

    /** The native BLAS, or null where none is installed (or {@code -Dncj.cpu.javaSyrk=true}). */
    static BLAS blas() {
        return NATIVE;
    }

    /** "native BLAS (class)" or "Java kernel": which SYRK the CPU backend uses. */
    static String implementation() {
        return NATIVE != null ? "native BLAS (" + NATIVE.getClass().getSimpleName() + ")" : "Java kernel";
    }

    /** {@code c[i*d + j] += Σ_t x[t*d + i] x[t*d + j]} for j >= i. */
    static void upperF32(float[] x, int n, int d, double[] c) {
        if (NATIVE != null) {
            nativeF32(x, n, d, c);
            return;
        }
        CpuBackend.parallelFor((d + ROWS - 1) / ROWS, g -> bandF32(x, n, d, g * ROWS, c));
    }

    /** Float64 variant of {@link #upperF32}. */
    static void upperF64(double[] x, int n, int d, double[] c) {
        if (NATIVE != null) {
            // Row-major n×d X is column-major d×n A; AAᵀ's column-major lower triangle is our
            // row-major upper triangle.
            NATIVE.dsyrk("L", "N", d, n, 1.0, x, d, 1.0, c, d);
            return;
        }
        CpuBackend.parallelFor((d + ROWS - 1) / ROWS, g -> bandF64(x, n, d, g * ROWS, c));
    }

    /** The Java kernel regardless of a native BLAS (tests, benchmarks). */
    static void javaUpperF32(float[] x, int n, int d, double[] c) {
        CpuBackend.parallelFor((d + ROWS - 1) / ROWS, g -> bandF32(x, n, d, g * ROWS, c));
    }

    /** The Java kernel regardless of a native BLAS (tests, benchmarks). */
    static void javaUpperF64(double[] x, int n, int d, double[] c) {
        CpuBackend.parallelFor((d + ROWS - 1) / ROWS, g -> bandF64(x, n, d, g * ROWS, c));
    }

    private static void nativeF32(float[] x, int n, int d, double[] c) {
        float[] part = new float[d * d];
        for (int t0 = 0; t0 < n; t0 += NATIVE_CHUNK) {
            int rows = Math.min(NATIVE_CHUNK, n - t0);
            NATIVE.ssyrk("L", "N", d, rows, 1f, x, t0 * d, d, 0f, part, 0, d);
            for (int i = 0; i < d; i++) {
                for (int j = i; j < d; j++) {
                    c[i * d + j] += part[i * d + j];
                }
            }
        }
    }

    /** Mirrors the upper triangle of a d×d row-major matrix into its lower triangle. */
    static void mirrorUpper(double[] c, int d) {
        for (int i = 0; i < d; i++) {
            for (int j = i + 1; j < d; j++) {
                c[j * d + i] = c[i * d + j];
            }
        }
    }

    private static void bandF32(float[] x, int n, int d, int i0, double[] c) {
        int rows = Math.min(ROWS, d - i0);
        int w = d - i0;
        float[] a0 = new float[w];
        float[] a1 = new float[w];
        float[] a2 = new float[w];
        float[] a3 = new float[w];
        for (int t0 = 0; t0 < n; t0 += CHUNK) {
            int t1 = Math.min(n, t0 + CHUNK);
            java.util.Arrays.fill(a0, 0f);
            java.util.Arrays.fill(a1, 0f);
            java.util.Arrays.fill(a2, 0f);
            java.util.Arrays.fill(a3, 0f);
            int t = t0;
            for (; t + 3 < t1; t += 4) {
                int o0 = t * d + i0;
                int o1 = o0 + d;
                int o2 = o1 + d;
                int o3 = o2 + d;
                float s00 = x[o0];
                float s10 = x[o1];
                float s20 = x[o2];
                float s30 = x[o3];
                float s01 = rows > 1 ? x[o0 + 1] : 0f;
                float s11 = rows > 1 ? x[o1 + 1] : 0f;
                float s21 = rows > 1 ? x[o2 + 1] : 0f;
                float s31 = rows > 1 ? x[o3 + 1] : 0f;
                float s02 = rows > 2 ? x[o0 + 2] : 0f;
                float s12 = rows > 2 ? x[o1 + 2] : 0f;
                float s22 = rows > 2 ? x[o2 + 2] : 0f;
                float s32 = rows > 2 ? x[o3 + 2] : 0f;
                float s03 = rows > 3 ? x[o0 + 3] : 0f;
                float s13 = rows > 3 ? x[o1 + 3] : 0f;
                float s23 = rows > 3 ? x[o2 + 3] : 0f;
                float s33 = rows > 3 ? x[o3 + 3] : 0f;
                for (int j = 0; j < w; j++) {
                    float x0 = x[o0 + j];
                    float x1 = x[o1 + j];
                    float x2 = x[o2 + j];
                    float x3 = x[o3 + j];
                    a0[j] += s00 * x0 + s10 * x1 + s20 * x2 + s30 * x3;
                    a1[j] += s01 * x0 + s11 * x1 + s21 * x2 + s31 * x3;
                    a2[j] += s02 * x0 + s12 * x1 + s22 * x2 + s32 * x3;
                    a3[j] += s03 * x0 + s13 * x1 + s23 * x2 + s33 * x3;
                }
            }
            for (; t < t1; t++) {
                int o = t * d + i0;
                float s0 = x[o];
                float s1 = rows > 1 ? x[o + 1] : 0f;
                float s2 = rows > 2 ? x[o + 2] : 0f;
                float s3 = rows > 3 ? x[o + 3] : 0f;
                for (int j = 0; j < w; j++) {
                    float xj = x[o + j];
                    a0[j] += s0 * xj;
                    a1[j] += s1 * xj;
                    a2[j] += s2 * xj;
                    a3[j] += s3 * xj;
                }
            }
            flush(c, d, i0, rows, a0, a1, a2, a3);
        }
    }

    private static void flush(double[] c, int d, int i0, int rows, float[] a0, float[] a1, float[] a2, float[] a3) {
        float[][] acc = {a0, a1, a2, a3};
        for (int r = 0; r < rows; r++) {
            float[] a = acc[r];
            int base = (i0 + r) * d + i0;
            for (int j = r; j < a.length; j++) {
                c[base + j] += a[j];
            }
        }
    }

    private static void bandF64(double[] x, int n, int d, int i0, double[] c) {
        int rows = Math.min(ROWS, d - i0);
        int w = d - i0;
        double[] a0 = new double[w];
        double[] a1 = new double[w];
        double[] a2 = new double[w];
        double[] a3 = new double[w];
        int t = 0;
        for (; t + 3 < n; t += 4) {
            int o0 = t * d + i0;
            int o1 = o0 + d;
            int o2 = o1 + d;
            int o3 = o2 + d;
            double s00 = x[o0];
            double s10 = x[o1];
            double s20 = x[o2];
            double s30 = x[o3];
            double s01 = rows > 1 ? x[o0 + 1] : 0;
            double s11 = rows > 1 ? x[o1 + 1] : 0;
            double s21 = rows > 1 ? x[o2 + 1] : 0;
            double s31 = rows > 1 ? x[o3 + 1] : 0;
            double s02 = rows > 2 ? x[o0 + 2] : 0;
            double s12 = rows > 2 ? x[o1 + 2] : 0;
            double s22 = rows > 2 ? x[o2 + 2] : 0;
            double s32 = rows > 2 ? x[o3 + 2] : 0;
            double s03 = rows > 3 ? x[o0 + 3] : 0;
            double s13 = rows > 3 ? x[o1 + 3] : 0;
            double s23 = rows > 3 ? x[o2 + 3] : 0;
            double s33 = rows > 3 ? x[o3 + 3] : 0;
            for (int j = 0; j < w; j++) {
                double x0 = x[o0 + j];
                double x1 = x[o1 + j];
                double x2 = x[o2 + j];
                double x3 = x[o3 + j];
                a0[j] += s00 * x0 + s10 * x1 + s20 * x2 + s30 * x3;
                a1[j] += s01 * x0 + s11 * x1 + s21 * x2 + s31 * x3;
                a2[j] += s02 * x0 + s12 * x1 + s22 * x2 + s32 * x3;
                a3[j] += s03 * x0 + s13 * x1 + s23 * x2 + s33 * x3;
            }
        }
        for (; t < n; t++) {
            int o = t * d + i0;
            double s0 = x[o];
            double s1 = rows > 1 ? x[o + 1] : 0;
            double s2 = rows > 2 ? x[o + 2] : 0;
            double s3 = rows > 3 ? x[o + 3] : 0;
            for (int j = 0; j < w; j++) {
                double xj = x[o + j];
                a0[j] += s0 * xj;
                a1[j] += s1 * xj;
                a2[j] += s2 * xj;
                a3[j] += s3 * xj;
            }
        }
        double[][] acc = {a0, a1, a2, a3};
        for (int r = 0; r < rows; r++) {
            double[] a = acc[r];
            int base = (i0 + r) * d + i0;
            for (int j = r; j < w; j++) {
                c[base + j] += a[j];
            }
        }
    }
}
