package org.ncj.accumulate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ncj.DType;
import org.ncj.backend.Backend;

/**
 * Corrupt accumulator files (issue 12, item 4): lengths near 2^63 or with high bits set, flipped
 * data bytes, impossible values and duplicated arrays are each an IOException naming the file,
 * never an unchecked exception or a silently wrong state. Files are built here by hand, in the
 * documented layout, independent of the writer.
 */
class AccumulatorFileHardeningTest {
    private static final int K = 2;
    private static final int D = 3;
    private final Backend cpu = Backend.cpu();

    @TempDir
    Path dir;

    /** One array of a hand-built file. */
    private record Arr(String name, int type, long claimedLength, byte[] values) {
        static Arr doubles(String name, double... v) {
            ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
            for (double x : v) {
                b.putDouble(x);
            }
            return new Arr(name, 0, v.length, b.array());
        }

        static Arr longs(String name, long... v) {
            ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
            for (long x : v) {
                b.putLong(x);
            }
            return new Arr(name, 1, v.length, b.array());
        }

        Arr claiming(long length) {
            return new Arr(name, type, length, values);
        }
    }

    /** A version-1 file (no checksum) in the documented layout. */
    private Path v1(String file, Arr... arrays) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        byte[] kind = "MeanAccumulator".getBytes(StandardCharsets.UTF_8);
        b.put("NCJACCUM".getBytes(StandardCharsets.US_ASCII)).putInt(1).putInt(kind.length).put(kind).putInt(K).putInt(D)
                .putInt(0).putInt(arrays.length);
        for (Arr a : arrays) {
            byte[] name = a.name().getBytes(StandardCharsets.UTF_8);
            b.putInt(name.length).put(name).putInt(a.type()).putLong(a.claimedLength()).put(a.values());
        }
        out.write(b.array(), 0, b.position());
        return Files.write(dir.resolve(file), out.toByteArray());
    }

    private static final double[] SUMS = {1, 2, 3, 4, 5, 6};
    private static final long[] COUNTS = {1, 2};

    private void assertRejected(Path file, String... parts) {
        IOException e = assertThrows(IOException.class, () -> MeanAccumulator.load(file, K, D, cpu, DType.FLOAT32).close());
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), () -> "'" + e.getMessage() + "' lacks '" + p + "'");
        }
    }

    @Test
    void versionOneFilesAreStillRead() throws IOException {
        Path f = v1("v1.ncj", Arr.doubles("sums", SUMS), Arr.longs("counts", COUNTS));
        try (MeanAccumulator m = MeanAccumulator.load(f, K, D, cpu, DType.FLOAT32)) {
            assertArrayEquals(SUMS, m.sums());
            assertArrayEquals(COUNTS, m.counts());
        }
    }

    @Test
    void lengthsNearTwoToTheSixtyThreeAreRejected() throws IOException {
        assertRejected(v1("huge.ncj", Arr.doubles("sums", SUMS).claiming(Long.MAX_VALUE - 3), Arr.longs("counts", COUNTS)),
                "'sums'", "corrupt length");
        assertRejected(v1("neg.ncj", Arr.doubles("sums", SUMS).claiming(Long.MIN_VALUE), Arr.longs("counts", COUNTS)),
                "corrupt length");
    }

    @Test
    void lengthsWithHighBitsSetAreNotReadAsTheirLowBits() throws IOException {
        // 2^32 + 6 and 2^61 + 6: their low 32 bits (6) are the true length; 8 * 2^61 overflows to 0
        assertRejected(v1("high32.ncj", Arr.doubles("sums", SUMS).claiming((1L << 32) + 6), Arr.longs("counts", COUNTS)),
                "corrupt length");
        assertRejected(v1("high61.ncj", Arr.doubles("sums", SUMS).claiming((1L << 61) + 6), Arr.longs("counts", COUNTS)),
                "corrupt length");
    }

    @Test
    void impossibleValuesAreRejected() throws IOException {
        assertRejected(v1("negcount.ncj", Arr.doubles("sums", SUMS), Arr.longs("counts", 1, -2)), "counts[1] = -2", "negative");
        assertRejected(v1("nan.ncj", Arr.doubles("sums", 1, 2, Double.NaN, 4, 5, 6), Arr.longs("counts", COUNTS)),
                "sums[2] = NaN", "not finite");
        assertRejected(v1("inf.ncj", Arr.doubles("sums", 1, 2, 3, 4, Double.NEGATIVE_INFINITY, 6), Arr.longs("counts", COUNTS)),
                "not finite");
        assertRejected(v1("empty.ncj", Arr.doubles("sums", SUMS), Arr.longs("counts", 0, 2)), "class 0 has no samples");
        assertRejected(v1("short.ncj", Arr.doubles("sums", 1, 2), Arr.longs("counts", COUNTS)), "'sums'", "has 2 values");
    }

    @Test
    void duplicatedArraysAreRejected() throws IOException {
        assertRejected(v1("dup.ncj", Arr.doubles("sums", SUMS), Arr.longs("counts", COUNTS), Arr.doubles("sums", SUMS)),
                "'sums' appears twice");
    }

    @Test
    void everyFlippedBitIsDetected() throws IOException {
        Random r = new Random(5);
        Path f = dir.resolve("good.ncj");
        try (MeanAccumulator m = new MeanAccumulator(K, D, cpu, DType.FLOAT32)) {
            m.accumulate(new float[]{1, 2, 3, 4, 5, 6, 7, 8, 9}, new int[]{0, 1, 1});
            m.save(f);
        }
        byte[] good = Files.readAllBytes(f);
        MeanAccumulator.load(f, K, D, cpu, DType.FLOAT32).close();
        // every byte of the content once, in a random bit: never a silently different state
        for (int i = 0; i < good.length; i++) {
            byte[] bad = good.clone();
            bad[i] ^= (byte) (1 << r.nextInt(8));
            Path p = Files.write(dir.resolve("flip.ncj"), bad);
            IOException e = assertThrows(IOException.class, () -> MeanAccumulator.load(p, K, D, cpu, DType.FLOAT32).close(),
                    "byte " + i);
            assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
        }
        Path extra = Files.write(dir.resolve("extra.ncj"), java.util.Arrays.copyOf(good, good.length + 1));
        assertRejected(extra, "1 bytes after");
    }
}
