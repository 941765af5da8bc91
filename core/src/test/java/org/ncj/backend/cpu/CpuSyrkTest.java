package org.ncj.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

    /**
     * The float32 and float64 twins of the Java kernel (one template, SyrkBand.java.twin) against
     * each other and an exact float64 reference, bit for bit: small integers make every product
     * and partial sum exact in float32 too, so any difference is a kernel bug (a lost or doubled
     * row, column, sample or chunk), not rounding. Shapes around the kernel's blocks: D = 1, 2, 3
     * and 5 (4 rows per task), n = 0 and around 4 samples per step and the 256-sample float32 chunk.
     */
    @Test
    void float32AndFloat64TwinsAgreeExactly() {
        Random r = new Random(5);
        for (int n : new int[] {0, 1, 2, 3, 4, 5, 7, 255, 256, 257, 515}) {
            for (int d : new int[] {1, 2, 3, 4, 5, 9}) {
                float[] x = new float[n * d];
                double[] xd = new double[n * d];
                for (int i = 0; i < x.length; i++) {
                    x[i] = r.nextInt(17) - 8;
                    xd[i] = x[i];
                }
                double[] expected = new double[d * d];
                for (int t = 0; t < n; t++) {
                    for (int i = 0; i < d; i++) {
                        for (int j = i; j < d; j++) {
                            expected[i * d + j] += xd[t * d + i] * xd[t * d + j];
                        }
                    }
                }
                double[] c32 = new double[d * d];
                SyrkBandF32.upper(x, n, d, c32);
                double[] c64 = new double[d * d];
                SyrkBandF64.upper(xd, n, d, c64);
                assertArrayEquals(expected, c64, "float64 twin n=" + n + " d=" + d);
                assertArrayEquals(expected, c32, "float32 twin n=" + n + " d=" + d);
            }
        }
    }

    /**
     * The Vector API kernel against the float64 products: within float32 rounding of sums over
     * one block of rows (fused multiply-adds: at most blockRows·u₃₂ of Σ|x_ti x_tj|, plus the
     * float64 adds), on widths around its 8 × 16 tiles and 16-column panels (D = 1 … 33, 100, 130,
     * 512) and row counts around its blocks (n = 0, 1, 3, one block ± 1, several), on rows near
     * and far from the origin, added onto a c that is not zero. Small integers make every sum
     * exact: there it must agree bit for bit (a lost or doubled row, column, block or tile fails).
     */
    @Test
    void vectorKernelMatchesTheProducts() {
        org.junit.jupiter.api.Assumptions.assumeTrue(SimdSyrk.serves(1), "no 256-bit float vectors here");
        Random r = new Random(21);
        for (int d : new int[] {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 100, 130, 512}) {
            int b = SimdSyrk.blockRows(d);
            for (int n : new int[] {0, 1, 3, b - 1, b, b + 1, 2 * b + 5}) {
                for (int kind = 0; kind < 3; kind++) {
                    float[] x = new float[n * d + 3];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = switch (kind) {
                            case 0 -> r.nextInt(17) - 8;
                            case 1 -> (float) r.nextGaussian();
                            default -> (float) (1e3 + r.nextGaussian());
                        };
                    }
                    double[][] expected = naive(x, n, d);
                    double[] c = new double[d * d];
                    for (int i = 0; i < c.length; i++) {
                        c[i] = i % 5;
                        expected[0][i] += i % 5;
                    }
                    SimdSyrk.upper(x, n, d, c);
                    String at = "D = " + d + ", n = " + n + ", kind " + kind;
                    for (int i = 0; i < d; i++) {
                        for (int j = 0; j < d; j++) {
                            double want = j >= i ? expected[0][i * d + j] : (i * d + j) % 5;
                            double tol = kind == 0 || j < i ? 0 : (Math.min(b, n) + 2) * 0x1p-24 * expected[1][i * d + j] * 1.01;
                            assertEquals(want, c[i * d + j], tol, at + " (" + i + ", " + j + ")");
                        }
                    }
                }
            }
        }
    }

    /** Every output is summed in the same order whatever run of tiles holds it: 1, 2, 3 or 7 tasks give the same bits. */
    @Test
    void vectorKernelDoesNotDependOnTheTaskSplit() {
        org.junit.jupiter.api.Assumptions.assumeTrue(SimdSyrk.serves(1), "no 256-bit float vectors here");
        Random r = new Random(22);
        for (int d : new int[] {9, 40, 130}) {
            int n = 3 * SimdSyrk.blockRows(d) + 7;
            float[] x = new float[n * d];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            double[] one = new double[d * d];
            SimdSyrk.upper(x, n, d, one, 1);
            for (int tasks : new int[] {2, 3, 7}) {
                double[] c = new double[d * d];
                SimdSyrk.upper(x, n, d, c, tasks);
                assertArrayEquals(one, c, "D = " + d + ", " + tasks + " tasks");
            }
        }
    }

    /** The tiled mirrors copy exactly one triangle onto the other, on sizes around and across tiles. */
    @Test
    void mirrorsCopyOneTriangleOntoTheOther() {
        for (int d : new int[] {1, 2, 3, 7, 8, 9, 31, 32, 33, 64, 70}) {
            double[] m = new double[d * d];
            for (int i = 0; i < m.length; i++) {
                m[i] = i + 1;
            }
            double[] up = m.clone();
            CpuSyrk.mirrorUpper(up, d);
            double[] low = m.clone();
            CpuSyrk.mirrorLower(low, d);
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    int hi = Math.min(i, j) * d + Math.max(i, j);
                    int lo = Math.max(i, j) * d + Math.min(i, j);
                    assertEquals(m[hi], up[i * d + j], "upper mirrored, d=" + d + " (" + i + ", " + j + ")");
                    assertEquals(m[lo], low[i * d + j], "lower mirrored, d=" + d + " (" + i + ", " + j + ")");
                }
            }
        }
    }
}
