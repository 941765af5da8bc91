package org.ncj.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.ncj.backend.Batch;

/**
 * Both passes of the CPU class sums (rows streamed in chunks where few classes are present, rows
 * grouped by class otherwise) against a float64 loop over the rows, on shapes that are not chunk
 * or column-block multiples, and the fused finite check of each.
 */
class CpuClassSumsTest {

    private static CpuClassSums[] both(int k, int d) {
        return new CpuClassSums[] {new CpuClassSums(k, d, Long.MAX_VALUE), new CpuClassSums(k, d, 0)};
    }

    @Test
    void streamedAndGroupedPassesAgreeWithAFloat64Loop() {
        Random r = new Random(5);
        for (int k : new int[] {1, 2, 3, 40}) {
            for (int d : new int[] {1, 5, 700}) {
                for (int n : new int[] {0, 1, 3, 2049, 4101, 17001}) {
                    float[] x = new float[n * d];
                    int[] y = new int[n];
                    double[] want = new double[k * d];
                    long[] cnt = new long[k];
                    for (int i = 0; i < n; i++) {
                        // Classes 0 and k-1 only when k > 2: absent classes stay zero.
                        y[i] = k > 2 && i % 3 == 0 ? k - 1 : 0;
                        cnt[y[i]]++;
                        for (int j = 0; j < d; j++) {
                            // Far from the origin: the float64 sum keeps every bit of the float rows.
                            x[i * d + j] = (float) (1e6 + r.nextGaussian());
                            want[y[i] * d + j] += x[i * d + j];
                        }
                    }
                    for (CpuClassSums s : both(k, d)) {
                        s.add(Batch.of(x, n, d, y));
                        s.add(Batch.of(x, n, d, y));
                        double[] got = s.sums();
                        for (int i = 0; i < got.length; i++) {
                            // Two batches: 2·want, up to the float64 rounding of ~n additions.
                            double w = 2 * want[i];
                            assertTrue(Math.abs(got[i] - w) <= 1e-12 * Math.abs(w), "k=" + k + " d=" + d + " n=" + n + " [" + i + "]: " + got[i] + " vs " + w);
                        }
                        long[] twice = cnt.clone();
                        for (int c = 0; c < k; c++) {
                            twice[c] *= 2;
                        }
                        assertArrayEquals(twice, s.counts());
                    }
                }
            }
        }
    }

    @Test
    void theStreamedPassTakesFewerLongerChunksWithinTheBound() {
        // 131,072 rows: sixteen chunks of 8192 while their partials fit; else as many as fit
        // (rows rounded up, so no row is left out), and the grouped pass where two do not.
        long bound = CpuClassSums.STREAM_PARTIALS_MAX;
        assertEquals(8192, CpuClassSums.streamChunkRows(131072, 10 * 512, bound));
        assertEquals(65536, CpuClassSums.streamChunkRows(131072, 1000 * 512, bound));
        assertEquals(0, CpuClassSums.streamChunkRows(131072, 1100 * 512, bound));
        assertEquals(43691, CpuClassSums.streamChunkRows(131072, 1000 * 512, 3 * 1000 * 512));
        assertEquals(1024, CpuClassSums.streamChunkRows(1, 1000 * 512, bound));
        // Such chunks sum every row: 40 classes, 17,001 rows, partials for three chunks at most.
        Random r = new Random(6);
        int k = 40;
        int d = 5;
        int n = 17001;
        float[] x = new float[n * d];
        int[] y = new int[n];
        double[] want = new double[k * d];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(k);
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) (1e6 + r.nextGaussian());
                want[y[i] * d + j] += x[i * d + j];
            }
        }
        assertEquals(5667, CpuClassSums.streamChunkRows(n, k * d, 3 * k * d));
        CpuClassSums s = new CpuClassSums(k, d, 3 * k * d);
        s.add(Batch.of(x, n, d, y));
        double[] got = s.sums();
        for (int i = 0; i < got.length; i++) {
            assertEquals(want[i], got[i], 1e-12 * Math.abs(want[i]), "[" + i + "]");
        }
        // The partials are kept from batch to batch: batches with fewer, then more classes
        // present (shorter, then longer partials) must each start from zero.
        for (int present : new int[] {3, 40, 1, 40}) {
            int rows = 9000 + present;
            float[] xb = new float[rows * d];
            int[] yb = new int[rows];
            for (int i = 0; i < rows; i++) {
                yb[i] = (i * 7) % present;
                for (int j = 0; j < d; j++) {
                    xb[i * d + j] = (float) (1e6 + r.nextGaussian());
                    want[yb[i] * d + j] += xb[i * d + j];
                }
            }
            s.add(Batch.of(xb, rows, d, yb));
            got = s.sums();
            for (int i = 0; i < got.length; i++) {
                assertEquals(want[i], got[i], 1e-12 * Math.abs(want[i]), present + " classes present, [" + i + "]");
            }
        }
    }

    @Test
    void eachPassNamesTheFirstNonFiniteValueAndLeavesTheTotals() {
        int k = 3;
        int d = 6;
        int n = 5000;
        float[] x = new float[n * d];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % k;
            for (int j = 0; j < d; j++) {
                x[i * d + j] = i + j;
            }
        }
        float[] bad = x.clone();
        bad[4321 * d + 4] = Float.NaN;
        bad[4400 * d + 1] = Float.POSITIVE_INFINITY;
        for (CpuClassSums s : both(k, d)) {
            s.add(Batch.of(x, n, d, y));
            double[] before = s.sums();
            long[] cb = s.counts();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.add(Batch.of(bad, n, d, y)));
            assertTrue(e.getMessage().contains("row 4321, column 4"), e.getMessage());
            assertArrayEquals(before, s.sums());
            assertArrayEquals(cb, s.counts());
        }
    }
}
