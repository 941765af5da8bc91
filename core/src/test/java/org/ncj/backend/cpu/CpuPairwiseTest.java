package org.ncj.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.ncj.kernels.PairKernel;
import org.ncj.kernels.PairStats;

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
        for (PairKernel kernel : new PairKernel[] {new PairKernel.Dist(), new PairKernel.Log(-1), new PairKernel.Riesz(65),
                new PairKernel.Cdnv(1, v), new PairKernel.Cosine(), new PairKernel.MaxAngle(k)}) {
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
}
