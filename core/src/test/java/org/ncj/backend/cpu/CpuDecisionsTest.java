package org.ncj.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.JavaBLAS;

import org.junit.jupiter.api.Test;
import org.ncj.backend.Batch;

/**
 * The {@code dgemm} decisions against the direct float64 loops: the same decisions on every row, including exact ties (duplicated candidates) and rows equidistant from two centres, where
 * the GEMM form's rounding differs from the direct one and only the recheck keeps them equal.
 */
class CpuDecisionsTest {

    /** The native BLAS where installed (the production path), else netlib's Java BLAS. */
    private static List<BLAS> blases() {
        List<BLAS> out = new ArrayList<>();
        out.add(JavaBLAS.getInstance());
        if (CpuSyrk.blas() != null) {
            out.add(CpuSyrk.blas());
        }
        return out;
    }

    private static double[] gaussian(Random r, int n, double scale) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = scale * r.nextGaussian();
        }
        return a;
    }

    private static void check(double[] means, double[] weights, double[] bias, int[] cand, int k, int d, float[] x, int[] y) {
        CpuDecisions direct = new CpuDecisions(means, weights, bias, cand, k, d, null, 1);
        assertFalse(direct.usesGemm());
        direct.add(Batch.of(x, y.length, d, y));
        for (BLAS blas : blases()) {
            for (int block : new int[] {1, 7, 1024}) {
                CpuDecisions gemm = new CpuDecisions(means, weights, bias, cand, k, d, blas, block);
                assertTrue(gemm.usesGemm());
                gemm.add(Batch.of(x, y.length, d, y));
                String what = blas.getClass().getSimpleName() + ", candidate block " + block + ", c = " + cand.length + ", d = " + d;
                assertArrayEquals(direct.counts(), gemm.counts(), what);
                assertArrayEquals(direct.hits(), gemm.hits(), what);
                int[][] want = direct.decide(x, y.length);
                int[][] got = gemm.decide(x, y.length);
                assertArrayEquals(want[0], got[0], "nearest centres, " + what);
                assertArrayEquals(want[1], got[1], "linear decisions, " + what);
            }
        }
    }

    @Test
    void randomShapesAgreeWithTheDirectLoops() {
        Random r = new Random(3);
        for (int d : new int[] {1, 5, 67}) {
            for (int c : new int[] {1, 2, 3, 33, 70}) {
                int k = c + 5;
                double[] means = gaussian(r, k * d, 1);
                double[] weights = gaussian(r, k * d, 1);
                // Candidates: every other class from 1 (a subset, ascending), up to c of them.
                int[] cand = java.util.stream.IntStream.range(0, k).filter(i -> i % 2 == 1 || i >= 2 * c).limit(c).toArray();
                for (double[] bias : new double[][] {null, gaussian(r, k, 0.5)}) {
                    for (int n : new int[] {0, 1, 130}) {
                        float[] x = new float[n * d];
                        int[] y = new int[n];
                        for (int i = 0; i < n; i++) {
                            y[i] = cand[r.nextInt(cand.length)];
                            for (int j = 0; j < d; j++) {
                                x[i * d + j] = (float) (means[y[i] * d + j] + 0.8 * r.nextGaussian());
                            }
                        }
                        check(means, weights, bias, cand, k, d, x, y);
                    }
                }
            }
        }
    }

    @Test
    void tiesAndNearTiesAreDecidedLikeTheDirectLoops() {
        Random r = new Random(8);
        int d = 33;
        int k = 40;
        double[] means = gaussian(r, k * d, 3);
        double[] weights = gaussian(r, k * d, 1);
        // Exact ties: class 9 duplicates class 4 (means and weights), class 30 duplicates 20.
        System.arraycopy(means, 4 * d, means, 9 * d, d);
        System.arraycopy(weights, 4 * d, weights, 9 * d, d);
        System.arraycopy(means, 20 * d, means, 30 * d, d);
        System.arraycopy(weights, 20 * d, weights, 30 * d, d);
        int[] cand = java.util.stream.IntStream.range(0, k).toArray();
        int n = 400;
        float[] x = new float[n * d];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            int a = r.nextInt(k);
            int b = r.nextInt(k);
            y[i] = a;
            for (int j = 0; j < d; j++) {
                // Rows near the midpoint of two centres (float rounding decides which is nearer),
                // rows exactly on a duplicated centre, and ordinary rows.
                double v = switch (i % 3) {
                    case 0 -> 0.5 * (means[a * d + j] + means[b * d + j]);
                    case 1 -> means[(i % 2 == 0 ? 4 : 20) * d + j];
                    default -> means[a * d + j] + r.nextGaussian();
                };
                x[i * d + j] = (float) v;
            }
        }
        check(means, weights, null, cand, k, d, x, y);
        // Linear near ties: two weight rows that differ in the last bits.
        for (int j = 0; j < d; j++) {
            weights[12 * d + j] = Math.nextUp(weights[11 * d + j]);
        }
        check(means, weights, gaussian(r, k, 1e-18), cand, k, d, x, y);
    }

    @Test
    void centresFarFromTheOriginAreDecidedLikeTheDirectLoops() {
        // ‖μ‖² − 2x·μ cancels catastrophically here (‖μ‖² ~ 1e18·D, so rounding ~ 1e3·D, against
        // gaps ~ 1e2·D): without the recheck the GEMM form picks other centres for most rows. The
        // classifier w_c = μ_c, b_c = −‖μ_c‖²/2 cancels as badly on the linear side.
        Random r = new Random(21);
        int d = 24;
        int k = 50;
        double[] means = gaussian(r, k * d, 2);
        for (int i = 0; i < means.length; i++) {
            means[i] += 1e9;
        }
        double[] bias = new double[k];
        for (int c = 0; c < k; c++) {
            for (int j = 0; j < d; j++) {
                bias[c] -= 0.5 * means[c * d + j] * means[c * d + j];
            }
        }
        int[] cand = java.util.stream.IntStream.range(0, k).toArray();
        int n = 300;
        float[] x = new float[n * d];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(k);
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) (means[y[i] * d + j] + 2 * r.nextGaussian());
            }
        }
        check(means, means, bias, cand, k, d, x, y);
    }

    @Test
    void centresFloat32CannotTellApartAreDecidedLikeTheDirectLoops() {
        // The screen rounds means and weights to float32: here they differ only below float32's
        // precision (relative 1e-9), so the screened scores of most candidates tie or cross, and
        // the recheck must evaluate every candidate the bound cannot exclude, lowest index first.
        Random r = new Random(31);
        for (int d : new int[] {1, 3, 40}) {
            for (int c : new int[] {1, 2, 3, 17}) {
                double[] base = gaussian(r, d, 1);
                double[] means = new double[c * d];
                double[] weights = new double[c * d];
                for (int q = 0; q < c; q++) {
                    for (int j = 0; j < d; j++) {
                        means[q * d + j] = base[j] * (1 + 1e-9 * r.nextGaussian());
                        weights[q * d + j] = base[j] * (1 + 1e-9 * r.nextGaussian());
                    }
                }
                // Duplicates too: candidate 0 again at the end (an exact tie with the lowest index).
                if (c > 2) {
                    System.arraycopy(means, 0, means, (c - 1) * d, d);
                    System.arraycopy(weights, 0, weights, (c - 1) * d, d);
                }
                int[] cand = java.util.stream.IntStream.range(0, c).toArray();
                int n = 200;
                float[] x = new float[n * d];
                int[] y = new int[n];
                for (int i = 0; i < n; i++) {
                    y[i] = r.nextInt(c);
                    for (int j = 0; j < d; j++) {
                        x[i * d + j] = (float) (base[j] + (i % 2 == 0 ? 1e-6 : 1) * r.nextGaussian());
                    }
                }
                check(means, weights, null, cand, c, d, x, y);
                check(means, weights, gaussian(r, c, 1e-12), cand, c, d, x, y);
            }
        }
    }

    @Test
    void valuesBeyondFloat32RangeOrBelowItsNormalsAreDecidedLikeTheDirectLoops() {
        // Means and weights that overflow float32 (their screened scores are ±∞ or NaN), and rows
        // and centres in float32's subnormal range (the screen's products underflow): the
        // decisions must still be the direct float64 ones.
        Random r = new Random(41);
        int d = 9;
        int k = 6;
        int[] cand = java.util.stream.IntStream.range(0, k).toArray();
        for (double scale : new double[] {1e39, 1e-40, 1e-44}) {
            double[] means = gaussian(r, k * d, scale);
            double[] weights = gaussian(r, k * d, scale);
            int n = 120;
            float[] x = new float[n * d];
            int[] y = new int[n];
            float xs = (float) Math.min(scale, 1e30);
            for (int i = 0; i < n; i++) {
                y[i] = r.nextInt(k);
                for (int j = 0; j < d; j++) {
                    x[i * d + j] = (float) (xs * r.nextGaussian());
                }
            }
            check(means, weights, null, cand, k, d, x, y);
            check(means, weights, gaussian(r, k, scale), cand, k, d, x, y);
        }
    }

    @Test
    void squaredNormIsWithinTheTolerancesSlackAtEveryScale() {
        // The tolerances take ‖x‖² to within their factor 1.0625; the float32 sums must stay far
        // inside it, fall back to float64 where squares underflow, and give ∞ (not a finite
        // underestimate) where they overflow.
        Random r = new Random(51);
        for (int d : new int[] {1, 7, 8, 9, 513}) {
            for (double scale : new double[] {1e-44, 1e-30, 1e-19, 1, 1e6, 1e18}) {
                float[] x = new float[d + 3];
                for (int j = 0; j < x.length; j++) {
                    x[j] = (float) (scale * r.nextGaussian());
                }
                double want = 0;
                for (int j = 0; j < d; j++) {
                    want += (double) x[3 + j] * x[3 + j];
                }
                double got = CpuDecisions.squaredNorm(x, 3, d);
                assertTrue(Math.abs(got - want) <= 1e-4 * want, "d=" + d + " scale " + scale + ": " + got + " vs " + want);
            }
            float[] big = new float[d];
            big[d - 1] = 3e19f;
            assertEquals(Double.POSITIVE_INFINITY, CpuDecisions.squaredNorm(big, 0, d));
        }
    }

    @Test
    void toleranceBoundsTheRoundingOfBothForms() {
        // γ_m u-scaled and growing with D and the scales, never zero for a non-zero scale.
        assertTrue(CpuDecisions.nccTolerance(1024, 1, 1) > 1024 * 0x1p-53);
        assertTrue(CpuDecisions.nccTolerance(4096, 1, 1) > CpuDecisions.nccTolerance(1024, 1, 1));
        assertTrue(CpuDecisions.linTolerance(1024, 2, 3, 0) > CpuDecisions.linTolerance(1024, 1, 3, 0));
        // At zero scale only the float32 underflow term is left: 2·1.0625·η, η = 4·(√16·0 + 16)·2⁻¹⁴⁹.
        assertEquals(2 * 1.0625 * 64 * 0x1p-149, CpuDecisions.linTolerance(16, 0, 0, 0));
        assertTrue(CpuDecisions.nccTolerance(16, 1e300, 0) > 0);
    }
}
