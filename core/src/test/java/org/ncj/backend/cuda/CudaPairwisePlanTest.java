package org.ncj.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ncj.DType;
import org.ncj.backend.Backend;
import org.ncj.backend.tuning.Tuning;
import org.ncj.pairwise.PairKernel;

/** Runs without a GPU: CudaPairwise's routing, tile mapping and planning, launch geometry and band planning. */
class CudaPairwisePlanTest {

    @Test
    void precisionChoosesTheFormAndTheTileMapsToTheNearestGemmTile() {
        // FLOAT64: the direct float64 kernel, tile 64 whatever was asked
        assertEquals(CudaPairwise.Form.DIRECT_F64, CudaPairwise.form(DType.FLOAT64, 128));
        assertEquals(CudaPairwise.Form.DIRECT_F64, CudaPairwise.form(DType.FLOAT64, 7));
        assertEquals(64, CudaPairwise.Form.DIRECT_F64.tile);
        // FLOAT32: every kernel id in GEMM form (no id is routed to float64 for accuracy)
        for (PairKernel k : new PairKernel[] {new PairKernel.Dist(), new PairKernel.Log(), PairKernel.Riesz.forDimension(512),
                new PairKernel.Cdnv(1, new double[2]), new PairKernel.Cosine(), new PairKernel.MaxAngle(2)}) {
            assertEquals(CudaPairwise.Form.GEMM_F32_T64, CudaPairwise.form(DType.FLOAT32, 64), k.name());
        }
        assertEquals(CudaPairwise.Form.GEMM_F32_T128, CudaPairwise.form(DType.FLOAT32, 128));
        // nearest supported: below 96 -> 64, from 96 -> 128
        assertEquals(64, CudaPairwise.gemmTile(1));
        assertEquals(64, CudaPairwise.gemmTile(16));
        assertEquals(64, CudaPairwise.gemmTile(95));
        assertEquals(128, CudaPairwise.gemmTile(96));
        assertEquals(128, CudaPairwise.gemmTile(512));
        assertThrows(IllegalArgumentException.class, () -> CudaPairwise.gemmTile(0));
        assertEquals(PtxEntry.PAIRWISE_GEMM_STATS_F32_T128, CudaPairwise.Form.GEMM_F32_T128.stats);
        assertEquals(PtxEntry.PAIRWISE_GEMM_GRID_F32_T64, CudaPairwise.Form.GEMM_F32_T64.grid);
    }

    @Test
    void tilePlanIsTheTunedGemmTileInFloat32AndFixedInFloat64(@TempDir Path dir) throws Exception {
        Path table = dir.resolve("tuning.tsv");
        System.setProperty(Tuning.PROPERTY, table.toString());
        try {
            String key = "cuda: emulated Some GPU, compute capability 9.0";
            // No table: the default 64 in both precisions.
            assertEquals(Backend.DEFAULT_TILE, CudaPairwise.plannedTile(key, 1000, 64, DType.FLOAT32));
            assertEquals(64, CudaPairwise.plannedTile(key, 1000, 64, DType.FLOAT64));
            // A tuned 100 becomes the GEMM tile 128 in float32; float64 keeps its fixed 64.
            Tuning.write(table, List.of(new Tuning.Entry(key, 2000, 100, 100, 0.1),
                    new Tuning.Entry("cuda: Other GPU, compute capability 8.0", 2000, 100, 32, 0.1)));
            assertEquals(128, CudaPairwise.plannedTile(key, 1000, 64, DType.FLOAT32));
            assertEquals(64, CudaPairwise.plannedTile(key, 1000, 64, DType.FLOAT64));
            assertEquals(64, CudaPairwise.plannedTile(key, 5000, 64, DType.FLOAT32), "no row covers K = 5000");
            assertEquals(64, CudaPairwise.plannedTile("cuda: Other GPU, compute capability 8.0", 10, 1, DType.FLOAT32),
                    "the other device's 32 rounds to 64");
        } finally {
            System.clearProperty(Tuning.PROPERTY);
        }
        assertEquals(128, CudaPairwise.effectiveTile(100, DType.FLOAT32));
        assertEquals(64, CudaPairwise.effectiveTile(512, DType.FLOAT64));
        assertThrows(IllegalArgumentException.class, () -> CudaPairwise.effectiveTile(0, DType.FLOAT64));
        assertArrayEquals(new int[] {64, 128}, CudaPairwise.candidates(DType.FLOAT32));
        assertArrayEquals(new int[] {64}, CudaPairwise.candidates(DType.FLOAT64));
    }

    @Test
    void statsGridFollowsTheAbi() {
        // K = 8192, tile 64: T = 128 tiles, U = 64 units, S = min(129, 4*132/64) = 8 strips on 132 SMs
        assertArrayEquals(new int[] {64, 8}, CudaPairwise.statsGrid(8192, 64, 132));
        // tile 128: T = 64, U = 32, S = min(65, 528/32) = 16
        assertArrayEquals(new int[] {32, 16}, CudaPairwise.statsGrid(8192, 128, 132));
        assertArrayEquals(new int[] {1, 2}, CudaPairwise.statsGrid(10, 64, 132));
        assertArrayEquals(new int[] {1, 2}, CudaPairwise.statsGrid(10, 128, 132));
        // T = 3 (odd): U = 2 units, S = min(4, 4*2/2) = 4 on 2 SMs
        assertArrayEquals(new int[] {2, 4}, CudaPairwise.statsGrid(130, 64, 2));
        assertArrayEquals(new int[] {1, 2}, CudaPairwise.statsGrid(1, 128, 132)); // T = 1: S = min(2, 528)
    }

    @Test
    void bandLaunchCoversTheBandsRows() {
        assertArrayEquals(new int[] {3, 3}, CudaPairwise.bandLaunch(130, 64, 130));
        assertArrayEquals(new int[] {2, 1}, CudaPairwise.bandLaunch(130, 128, 128));
        assertArrayEquals(new int[] {5, 2}, CudaPairwise.bandLaunch(300, 64, 128));
        assertArrayEquals(new int[] {3, 1}, CudaPairwise.bandLaunch(300, 128, 44));
    }

    @Test
    void bandsCoverTheRowsAndHalveUntilOneQuantum() {
        List<int[]> one = CudaPairwise.bandPlan(300, 300);
        assertEquals(1, one.size());
        assertArrayEquals(new int[] {0, 300}, one.get(0));
        List<int[]> b = CudaPairwise.bandPlan(300, 128);
        assertEquals(3, b.size());
        assertArrayEquals(new int[] {0, 128}, b.get(0));
        assertArrayEquals(new int[] {128, 128}, b.get(1));
        assertArrayEquals(new int[] {256, 44}, b.get(2));
        assertThrows(IllegalArgumentException.class, () -> CudaPairwise.bandPlan(300, 100), "not a multiple of 128");
        // whole grid of K = 100000 fails: halve 100096 -> 50048, then 25088, 12544, ... down to 128
        assertEquals(50048, CudaPairwise.halveBand(100_000, 100_000));
        assertEquals(25088, CudaPairwise.halveBand(100_000, 50048));
        int r = 100_000;
        int steps = 0;
        while ((r = CudaPairwise.halveBand(100_000, r)) != 0) {
            assertEquals(0, r % CudaPairwise.BAND_QUANTUM, "band " + r);
            steps++;
            if (r == CudaPairwise.BAND_QUANTUM) {
                assertEquals(0, CudaPairwise.halveBand(100_000, r), "nothing below one quantum");
            }
        }
        assertEquals(10, steps);
        // K = 200: the whole grid (200 rows) -> 128; K <= 128: nothing smaller to try
        assertEquals(128, CudaPairwise.halveBand(200, 200));
        assertEquals(0, CudaPairwise.halveBand(200, 128));
        assertEquals(0, CudaPairwise.halveBand(100, 100));
        assertEquals(0, CudaPairwise.halveBand(128, 128));
    }

    @Test
    void gemmOperandsAreTheFloat32RowsAndTheirFloat64Norms() {
        double[] p = {0.1, 1.0 / 3, 3, 4};
        float[] f = new float[4];
        double[] n = new double[2];
        CudaPairwise.rowsAndNorms(p, 2, 2, f, n);
        assertEquals(0.1f, f[0]);
        assertEquals((double) 0.1f * 0.1f + (double) (1f / 3) * (1f / 3), n[0], 0.0);
        assertEquals(25.0, n[1], 0.0);
    }
}
