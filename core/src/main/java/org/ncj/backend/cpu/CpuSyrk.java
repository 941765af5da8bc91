package org.ncj.backend.cpu;

import java.lang.reflect.Method;

import dev.ludovic.netlib.blas.BLAS;

/**
 * Symmetric rank-n update {@code C += XᵀX} (upper triangle) for a row-major n×d batch X, the
 * within-class covariance's inner loop.
 *
 * <p>With a native BLAS on the system ({@code libblas.so.3}, e.g. Debian's OpenBLAS, found by
 * {@code dev.ludovic.netlib}) the update is BLAS {@code ssyrk}/{@code dsyrk}: measured here at
 * 5–10× the Java kernel (bench/RESULTS.md). Without one, the Java kernel runs.
 *
 * <p>The Java kernel is {@code SyrkBandF32} / {@code SyrkBandF64}, both generated at build time
 * from one template, {@code src/main/twins/org/ncj/backend/cpu/SyrkBand.java.twin} (README "One
 * source for the float32 and float64 loops").
 */
final class CpuSyrk {
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
        SyrkBandF32.upper(x, n, d, c);
    }

    /** Float64 variant of {@link #upperF32}. */
    static void upperF64(double[] x, int n, int d, double[] c) {
        if (NATIVE != null) {
            // Row-major n×d X is column-major d×n A; AAᵀ's column-major lower triangle is our
            // row-major upper triangle.
            NATIVE.dsyrk("L", "N", d, n, 1.0, x, d, 1.0, c, d);
            return;
        }
        SyrkBandF64.upper(x, n, d, c);
    }

    /** {@link #upperF32}, or the Java kernel whatever BLAS is installed when {@code allowNative} is false. */
    static void upper(float[] x, int n, int d, double[] c, boolean allowNative) {
        if (allowNative) {
            upperF32(x, n, d, c);
        } else {
            javaUpperF32(x, n, d, c);
        }
    }

    /**
     * The float32 update as the covariance runs it: {@link SimdSyrk} where {@code simd} and it
     * serves d (in either mode: its result does not depend on the thread count, and it outran
     * the BLAS at those D), else {@link #upper(float[], int, int, double[], boolean)}.
     */
    static void upper(float[] x, int n, int d, double[] c, boolean allowNative, boolean simd) {
        if (simd && SimdSyrk.serves(d)) {
            SimdSyrk.upper(x, n, d, c);
        } else {
            upper(x, n, d, c, allowNative);
        }
    }

    /** {@link #upperF64}, or the Java kernel whatever BLAS is installed when {@code allowNative} is false. */
    static void upper(double[] x, int n, int d, double[] c, boolean allowNative) {
        if (allowNative) {
            upperF64(x, n, d, c);
        } else {
            javaUpperF64(x, n, d, c);
        }
    }

    /** The Java kernel regardless of a native BLAS (tests, benchmarks). */
    static void javaUpperF32(float[] x, int n, int d, double[] c) {
        SyrkBandF32.upper(x, n, d, c);
    }

    /** The Java kernel regardless of a native BLAS (tests, benchmarks). */
    static void javaUpperF64(double[] x, int n, int d, double[] c) {
        SyrkBandF64.upper(x, n, d, c);
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
        mirror(c, d, true);
    }

    /** Mirrors the lower triangle of a d×d row-major matrix into its upper triangle. */
    static void mirrorLower(double[] c, int d) {
        mirror(c, d, false);
    }

    /** {@code t[i][j] += u[min(i,j)][max(i,j)]}: the symmetric matrix whose upper triangle u holds, added to t, tile by tile. */
    static void addUpperSymmetric(double[] u, int d, double[] t) {
        for (int bi = 0; bi < d; bi += MIRROR_TILE) {
            int ei = Math.min(d, bi + MIRROR_TILE);
            for (int bj = bi; bj < d; bj += MIRROR_TILE) {
                int ej = Math.min(d, bj + MIRROR_TILE);
                for (int i = bi; i < ei; i++) {
                    if (bj == bi) {
                        t[i * d + i] += u[i * d + i];
                    }
                    for (int j = Math.max(bj, i + 1); j < ej; j++) {
                        double v = u[i * d + j];
                        t[i * d + j] += v;
                        t[j * d + i] += v;
                    }
                }
            }
        }
    }

    /**
     * Side of the square tiles the mirrors walk: a tile's column is one 64-byte line. At D = 512
     * the rows of a tile lie 4 KB apart and share one L1 set, so taller tiles thrash it: adding a
     * 512×512 upper triangle to both triangles took 0.22 ms with 8, 0.77 ms with 16, 0.95 ms with
     * 32 and 0.40 ms untiled in one probe (at D = 500, 0.12–0.14 ms for every tile).
     */
    private static final int MIRROR_TILE = 8;

    /**
     * Copies one triangle onto the other tile by tile: a plain column walk writes a new cache line
     * for every element, and at D = 512 the per-batch mirror of the one-pass scatter was 25 of 87
     * profile samples of the one pass's own work (the rest of the walk being the SYRK itself).
     */
    private static void mirror(double[] c, int d, boolean upperToLower) {
        for (int bi = 0; bi < d; bi += MIRROR_TILE) {
            int ei = Math.min(d, bi + MIRROR_TILE);
            for (int bj = bi; bj < d; bj += MIRROR_TILE) {
                int ej = Math.min(d, bj + MIRROR_TILE);
                for (int i = bi; i < ei; i++) {
                    for (int j = Math.max(bj, i + 1); j < ej; j++) {
                        if (upperToLower) {
                            c[j * d + i] = c[i * d + j];
                        } else {
                            c[i * d + j] = c[j * d + i];
                        }
                    }
                }
            }
        }
    }
}
