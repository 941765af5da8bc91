package org.ncj.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.ncj.pairwise.PairKernel;
import org.ncj.pairwise.PairKernels;
import org.ncj.pairwise.PairStats;

/** The BLAS-tiled pairwise path against the direct one, including near-duplicate rows. */
class CpuPairwiseTest {

    @Test
    void gemmTilesEqualTheDirectLoops() {
        assumeTrue(CpuSyrk.blas() != null, "no native BLAS here: the GEMM path is not used");
        Random r = new Random(12);
        int k = 301;
        int d = 67;
        double[] p = new double[k * d];
        for (int i = 0; i < p.length; i++) {
            p[i] = r.nextGaussian();
        }
        // Near-duplicates (distance ~1e-7 of the norm), where norms-minus-products cancels.
        for (int c = 0; c < d; c++) {
            p[5 * d + c] = p[4 * d + c] + 1e-7 * r.nextGaussian();
            p[200 * d + c] = p[3 * d + c] * (1 + 1e-9);
        }
        double[] v = new double[k];
        for (int i = 0; i < k; i++) {
            v[i] = 1 + r.nextDouble();
        }
        for (PairKernel kernel : PairKernels.every(k, 67, v)) { // d = 67: Riesz s = 65
            for (int tile : new int[] {32, 64, 100, 512}) {
                PairStats direct = CpuPairwise.stats(p, k, d, kernel, tile, false);
                PairStats gemm = CpuPairwise.stats(p, k, d, kernel, tile, true);
                String what = kernel.name() + " tile " + tile;
                assertEquals(direct.count(), gemm.count(), what);
                if (kernel.logSpace()) {
                    assertEquals(direct.logMean(), gemm.logMean(), 1e-9 * Math.abs(direct.logMean()), what);
                    assertEquals(direct.logVariance(), gemm.logVariance(), 1e-7 * Math.abs(direct.logVariance()), what);
                } else {
                    assertEquals(direct.mean(), gemm.mean(), 1e-9 * Math.abs(direct.mean()), what);
                    assertEquals(direct.variance(), gemm.variance(), 1e-7 * Math.abs(direct.variance()), what);
                }
            }
        }
    }

    /**
     * The fused walk (one GEMM per tile for every kernel, float64 and float32) against each kernel's
     * direct float64 loops on the rows and on the normalised rows, on shapes that are not tile
     * multiples, with near-duplicate rows (recomputed distances).
     */
    @Test
    void fusedWalkEqualsEachKernelsDirectLoops() {
        assumeTrue(CpuSyrk.blas() != null, "no native BLAS here: the fused GEMM path is not used");
        Random r = new Random(13);
        double eps = 0x1p-23;
        for (int[] shape : new int[][] {{2, 1}, {3, 2}, {5, 3}, {257, 1}, {301, 67}, {530, 33}}) {
            int k = shape[0];
            int d = shape[1];
            double[] p = new double[k * d];
            for (int i = 0; i < p.length; i++) {
                p[i] = r.nextGaussian();
            }
            if (k > 200) {
                for (int c = 0; c < d; c++) {
                    p[5 * d + c] = p[4 * d + c] + 1e-7 * r.nextGaussian();
                    p[200 * d + c] = p[3 * d + c] * (1 + 1e-9);
                }
            }
            double[] v = new double[k];
            for (int i = 0; i < k; i++) {
                v[i] = 1 + r.nextDouble();
            }
            PairKernel[] onRows = {new PairKernel.Cosine(), new PairKernel.MaxAngle(k), new PairKernel.Cdnv(1, v)};
            PairKernel[] onNorm = {new PairKernel.Dist(), new PairKernel.Log(-1), PairKernel.Riesz.forDimension(Math.max(d, 3))};
            double[] pn = new double[p.length];
            for (int i = 0; i < k; i++) {
                double s = 0;
                for (int c = 0; c < d; c++) {
                    s += p[i * d + c] * p[i * d + c];
                }
                double n = Math.sqrt(s) + eps;
                for (int c = 0; c < d; c++) {
                    pn[i * d + c] = p[i * d + c] / n;
                }
            }
            for (boolean f32 : new boolean[] {false, true}) {
                for (int tile : new int[] {16, 64, 300}) {
                    PairStats[] fused = CpuPairwise.fused(p, k, d, onRows, onNorm, eps, tile, true, f32);
                    for (int q = 0; q < fused.length; q++) {
                        PairKernel kernel = q < onRows.length ? onRows[q] : onNorm[q - onRows.length];
                        PairStats direct = CpuPairwise.stats(q < onRows.length ? p : pn, k, d, kernel, tile, false);
                        String what = kernel.name() + " K=" + k + " D=" + d + " tile " + tile + (f32 ? " float32" : " float64");
                        double rtolMean = f32 ? 1e-4 : 1e-9;
                        double rtolVar = f32 ? 1e-3 : 1e-7;
                        assertEquals(direct.count(), fused[q].count(), what);
                        if (kernel.logSpace()) {
                            assertEquals(direct.logMean(), fused[q].logMean(), rtolMean * Math.abs(direct.logMean()), what);
                            assertEquals(direct.logVariance(), fused[q].logVariance(), rtolVar * Math.abs(direct.logVariance()), what);
                        } else {
                            // Absolute part: the golden float32 atol, for values of order one that cancel to ~0.
                            double atol = f32 ? 1e-6 : 1e-14;
                            assertEquals(direct.mean(), fused[q].mean(), rtolMean * Math.abs(direct.mean()) + atol, what);
                            assertEquals(direct.variance(), fused[q].variance(), rtolVar * Math.abs(direct.variance()) + atol, what);
                        }
                    }
                }
            }
        }
    }
}
