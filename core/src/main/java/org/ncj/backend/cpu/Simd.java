package org.ncj.backend.cpu;

/**
 * Whether the CPU kernels may use the Java Vector API ({@code jdk.incubator.vector}, still an
 * incubator module in Java 25) for loops C2 does not vectorise by itself: a horizontal sum over a
 * row, which C2 keeps scalar because float64 addition is not associative.
 *
 * <p>True when the JVM was started with {@code --add-modules jdk.incubator.vector} (as the test and
 * benchmark JVMs are; {@code ./ncj} only with it in {@code NCJ_JAVA_OPTS}) and the preferred vector
 * holds at least two doubles; false with {@code -Dncj.simd=false}. When false, each such kernel
 * runs its scalar twin, which gives the same values up to float64 rounding in a different order
 * (the float32 variance norms: within 2^-24, as {@link FixedPointMeans} proves).
 * The module is optional: a JVM that resolves it prints one {@code WARNING: Using incubator
 * modules} line at start, and the kernels run in the interpreter, hundreds of times slower, until
 * the JIT compiles them (about 1 s in all; README, "Use from Java").
 */
final class Simd {
    static final boolean ENABLED = available();

    private Simd() {
    }

    private static boolean available() {
        if (!Boolean.parseBoolean(System.getProperty("ncj.simd", "true"))) {
            return false;
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return false;
        }
        return SimdRows.lanes() >= 2;
    }
}
