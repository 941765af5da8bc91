package org.ncj;

/**
 * Working precision of an accumulator, like the Python package's {@code dtype}.
 *
 * <p>Per-batch arithmetic runs in this type; partial sums are always combined in float64.
 * The type also fixes the epsilon of the pseudo-inverse cutoff (see {@code docs/METRICS.md}):
 * statistics accumulated in float32 carry float32 noise in the null space of Σ_B, and a
 * float64 cutoff would invert it.
 */
public enum DType {
    FLOAT32(Math.ulp(1.0f), Float.BYTES, "f32"),
    FLOAT64(Math.ulp(1.0), Double.BYTES, "f64");

    private final double eps;
    private final int bytes;
    private final String suffix;

    DType(double eps, int bytes, String suffix) {
        this.eps = eps;
        this.bytes = bytes;
        this.suffix = suffix;
    }

    /** Width of one element of this type in bytes: 4 for float32, 8 for float64. */
    public int bytes() {
        return bytes;
    }

    /** Suffix of the CUDA entry points that compute in this type ({@code nc_<operation>_f32 / _f64}, cuda/ABI.md). */
    public String suffix() {
        return suffix;
    }

    /** Machine epsilon of this type: 2⁻²³ for float32, 2⁻⁵² for float64. */
    public double eps() {
        return eps;
    }

    /** Parses {@code float32}, {@code f32}, {@code float64}, {@code f64}, {@code double} (any case). */
    public static DType parse(String s) {
        return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "float32", "f32", "float" -> FLOAT32;
            case "float64", "f64", "double" -> FLOAT64;
            default -> throw new IllegalArgumentException("unknown dtype '" + s + "': use float32 or float64");
        };
    }
}
