package org.ncj.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;

import org.junit.jupiter.api.Test;

/** Both SYRK paths (the Java kernel and whichever the backend uses) against naive loops. */
class CpuSyrkTest {

    /** Exact-ish products in float64, and Σ|x_ti x_tj| to scale the rounding bound of sums that cancel. */
    static double[][] naive(float[] x, int n, int d) {
        double[] c = new double[d * d];
        double[] abs = new double[d * d];
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < d; i++) {
                for (int j = i; j < d; j++) {
                    double p = (double) x[t * d + i] * x[t * d + j];
                    c[i * d + j] += p;
                    abs[i * d + j] += Math.abs(p);
                }
            }
        }
        return new double[][] {c, abs};
    }

    static void assertUpper(double[][] expected, double[] actual, int d, double rtol, String what) {
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                double e = expected[0][i * d + j];
                assertEquals(e, actual[i * d + j], rtol * expected[1][i * d + j] + 1e-300, what + " (" + i + ", " + j + ")");
            }
        }
    }

    @Test
    void javaKernelAndActivePathMatchNaiveLoops() {
        Random r = new Random(9);
        for (int[] s : new int[][] {{0, 1}, {1, 1}, {3, 2}, {5, 3}, {257, 5}, {1030, 67}, {700, 130}}) {
            int n = s[0];
            int d = s[1];
            float[] x = new float[n * d];
            double[] xd = new double[n * d];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
                xd[i] = x[i];
            }
            double[][] expected = naive(x, n, d);
            String shape = "n=" + n + " d=" + d;
            double[] c = new double[d * d];
            CpuSyrk.javaUpperF32(x, n, d, c);
            assertUpper(expected, c, d, 1e-5, "java f32 " + shape);
            c = new double[d * d];
            CpuSyrk.javaUpperF64(xd, n, d, c);
            assertUpper(expected, c, d, 1e-12, "java f64 " + shape);
            c = new double[d * d];
            CpuSyrk.upperF32(x, n, d, c);
            assertUpper(expected, c, d, 1e-5, CpuSyrk.implementation() + " f32 " + shape);
            c = new double[d * d];
            CpuSyrk.upperF64(xd, n, d, c);
            assertUpper(expected, c, d, 1e-12, CpuSyrk.implementation() + " f64 " + shape);
        }
    }
}
