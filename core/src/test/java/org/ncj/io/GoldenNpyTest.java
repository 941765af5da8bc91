package org.ncj.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Reads the golden {@code small} case; expected values were computed with numpy 2.4. */
class GoldenNpyTest {

    static Path golden(String file) {
        return Path.of(System.getProperty("ncj.golden.dir", "src/test/resources/golden"), "small", file);
    }

    @Test
    void trainX() throws IOException {
        try (NpyArray x = Npy.open(golden("train_x.npy"))) {
            assertArrayEquals(new long[]{3000, 64}, x.shape());
            assertEquals(StorageType.F32, x.dtype());
            assertEquals(3000, x.rows());
            assertEquals(64, x.cols());
            float[] all = x.readFloats(0, 3000);
            // x[r, c].view(np.uint32): exact bit patterns
            assertEquals(3195219627L, Integer.toUnsignedLong(Float.floatToRawIntBits(all[0])));
            assertEquals(3167170831L, Integer.toUnsignedLong(Float.floatToRawIntBits(all[63])));
            assertEquals(-3.12276291847229f, all[64 + 5]);
            assertEquals(0.13123413920402527f, all[1499 * 64 + 32]);
            assertEquals(-1.873752236366272f, all[2047 * 64 + 1]);
            assertEquals(0.6949083209037781f, all[2999 * 64 + 63]);
            double sum = 0;
            for (float v : all) {
                sum += v;
            }
            // float(x.astype(np.float64).sum())
            assertEquals(34799.066822952576, sum, 1e-9 * 34799.07);

            float[] row = x.readFloats(2047, 2048);
            assertEquals(64, row.length);
            assertEquals(-1.873752236366272f, row[1]);
            double[] d = x.readDoubles(1, 2);
            assertEquals(-3.12276291847229, d[5]);
        }
    }

    @Test
    void trainY() throws IOException {
        try (NpyArray y = Npy.open(golden("train_y.npy"))) {
            assertArrayEquals(new long[]{3000}, y.shape());
            assertEquals(StorageType.I32, y.dtype());
            assertEquals(1, y.cols());
            int[] all = y.readInts(0, 3000);
            assertArrayEquals(new int[]{6, 4, 7, 7, 4, 0, 2, 8, 9, 3}, java.util.Arrays.copyOf(all, 10));
            assertEquals(5, all[1499]);
            assertEquals(5, all[2999]);
            long sum = 0;
            for (int v : all) {
                sum += v;
            }
            assertEquals(13500, sum);
        }
    }

    @Test
    void expectedCountsAreInt64() throws IOException {
        try (NpyArray c = Npy.open(golden("expected_counts.npy"))) {
            assertEquals(StorageType.I64, c.dtype());
            assertEquals(10, c.rows());
            int total = 0;
            for (int v : c.readInts(0, 10)) {
                total += v;
            }
            assertEquals(3000, total);
        }
    }
}
