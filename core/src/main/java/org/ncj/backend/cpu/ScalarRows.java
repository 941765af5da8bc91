package org.ncj.backend.cpu;

/** Row sums in plain Java, shared by the CPU kernels (their Vector API twins are in {@link SimdRows}). */
final class ScalarRows {
    private ScalarRows() {
    }

    /**
     * Σ x_j² in eight float32 partials, added in float64: the scalar twin of
     * {@link SimdRows#squaredSum}, and the norm of a centred float32 row ({@code CpuCentredStats}).
     */
    static double squaredSum32(float[] x, int o, int d) {
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        float s4 = 0;
        float s5 = 0;
        float s6 = 0;
        float s7 = 0;
        int j = 0;
        for (; j + 7 < d; j += 8) {
            float a0 = x[o + j];
            float a1 = x[o + j + 1];
            float a2 = x[o + j + 2];
            float a3 = x[o + j + 3];
            float a4 = x[o + j + 4];
            float a5 = x[o + j + 5];
            float a6 = x[o + j + 6];
            float a7 = x[o + j + 7];
            s0 += a0 * a0;
            s1 += a1 * a1;
            s2 += a2 * a2;
            s3 += a3 * a3;
            s4 += a4 * a4;
            s5 += a5 * a5;
            s6 += a6 * a6;
            s7 += a7 * a7;
        }
        for (; j < d; j++) {
            s0 += x[o + j] * x[o + j];
        }
        return ((double) s0 + s1) + ((double) s2 + s3) + (((double) s4 + s5) + ((double) s6 + s7));
    }
}
