package org.ncj.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ncj.io.TestFiles.assertBad;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile and unusual .npy headers (issue 12, items 1, 6 and 7): any header gives a clean,
 * short, printable error or a correct read; Fortran-order arrays and numpy's descriptor
 * spellings are read.
 */
class HostileNpyTest {

    @TempDir
    Path dir;

    @Test
    void deeplyNestedShapeIsACleanError() throws IOException {
        String deepest = "(".repeat(5000) + ")".repeat(5000);
        Path huge = TestFiles.npy(dir.resolve("deepest.npy"), 2,
                "{'descr': '<f4', 'fortran_order': False, 'shape': " + deepest + ", }", new byte[0]);
        assertBad(huge, () -> Npy.open(huge), "header of");
        String shape = "(".repeat(3000) + ")".repeat(3000);
        Path p = TestFiles.npy(dir.resolve("deep.npy"), 2, "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }",
                new byte[0]);
        BadInputException e = assertBad(p, () -> Npy.open(p), "nesting");
        assertTrue(e.getMessage().length() < 1000, e.getMessage());
    }

    @Test
    void oversizedHeaderIsACleanError() throws IOException {
        String pad = " ".repeat(200_000);
        Path p = TestFiles.npy(dir.resolve("long.npy"), 2, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }" + pad,
                new byte[4]);
        assertBad(p, () -> Npy.open(p), "header of", "bytes is longer than 10000");
    }

    @Test
    void hugeShapeNumbersAreCleanErrors() throws IOException {
        Path big = TestFiles.npy(dir.resolve("bigint.npy"), 1,
                "{'descr': '<f4', 'fortran_order': False, 'shape': (" + "9".repeat(5000) + ",), }", new byte[0]);
        assertTrue(assertBad(big, () -> Npy.open(big), "malformed .npy header").getMessage().length() < 1000);
        Path overflow = TestFiles.npy(dir.resolve("overflow.npy"), 1,
                "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", new byte[0]);
        assertBad(overflow, () -> Npy.open(overflow), "overflows");
    }

    @Test
    void messagesEscapeNonPrintableCharactersAndStayShort() throws IOException {
        String nasty = "\u0000\u001b[2J\u009b31m\u202e";
        Path p = TestFiles.npy(dir.resolve("esc.npy"), 3, "{'descr': '" + nasty + "', 'fortran_order': False, 'shape': (1,), }",
                new byte[4]);
        String m = assertBad(p, () -> Npy.open(p), "unsupported dtype").getMessage();
        for (char c : new char[]{0, 0x1b, 0x9b, 0x202e}) {
            assertFalse(m.indexOf(c) >= 0, () -> "raw character U+" + Integer.toHexString(c) + " in: " + m);
        }
        assertTrue(m.contains("\\x00") && m.contains("\\x1b") && m.contains("\\x9b") && m.contains("\\u202e"), m);
        String longDescr = "x".repeat(5000);
        Path q = TestFiles.npy(dir.resolve("longdescr.npy"), 1,
                "{'descr': '" + longDescr + "', 'fortran_order': False, 'shape': (1,), }", new byte[4]);
        String lm = assertBad(q, () -> Npy.open(q), "unsupported dtype").getMessage();
        assertTrue(lm.length() < 800, "capped: " + lm.length() + " characters");
        assertTrue(lm.contains("more characters"), lm);
    }

    @Test
    void readsDescriptorSpellingsNumpyAccepts() throws IOException {
        ByteBuffer le = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f);
        for (String d : List.of("<f4", "|f4", "f4", "=f4", "<f", "f", "float32", "single")) {
            Path p = TestFiles.npy(dir.resolve("d.npy"), d, "(2,)", le.array());
            try (NpyArray a = Npy.open(p)) {
                assertEquals(StorageType.F32, a.dtype(), d);
                assertArrayEquals(new float[]{1.5f, -2f}, a.readFloats(0, 2), d);
            }
        }
        ByteBuffer dl = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(0.1);
        for (String d : List.of("<d", "d", "<f8", "float64", "double", "float")) {
            Path p = TestFiles.npy(dir.resolve("d.npy"), d, "(1,)", dl.array());
            try (NpyArray a = Npy.open(p)) {
                assertEquals(StorageType.F64, a.dtype(), d);
                assertEquals(0.1, a.readDoubles(0, 1)[0], d);
            }
        }
        ByteBuffer be = ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putLong(7);
        for (String d : List.of(">i8", ">q", ">l")) {
            Path p = TestFiles.npy(dir.resolve("d.npy"), d, "(1,)", be.array());
            try (NpyArray a = Npy.open(p)) {
                assertEquals(StorageType.I64, a.dtype(), d);
                assertEquals(7, a.readInts(0, 1)[0], d);
            }
        }
        for (String d : List.of("|u1", "u1", "B", "uint8", ">u1")) {
            Path p = TestFiles.npy(dir.resolve("d.npy"), d, "(1,)", new byte[]{(byte) 200});
            try (NpyArray a = Npy.open(p)) {
                assertEquals(StorageType.U8, a.dtype(), d);
                assertEquals(200, a.readInts(0, 1)[0], d);
            }
        }
        for (String d : List.of("?", "|b1", "bool")) {
            Path p = TestFiles.npy(dir.resolve("d.npy"), d, "(1,)", new byte[]{1});
            try (NpyArray a = Npy.open(p)) {
                assertEquals(StorageType.BOOL, a.dtype(), d);
            }
        }
        for (String d : List.of("<e", "e", "float16", "half")) {
            Path p = TestFiles.npy(dir.resolve("d.npy"), d, "(1,)", new byte[]{0, 0x3c});
            try (NpyArray a = Npy.open(p)) {
                assertEquals(1f, a.readFloats(0, 1)[0], d);
            }
        }
        for (String d : List.of("<f3", "float128", "<g", "c8", "<M8", "O", "S4", "")) {
            Path p = TestFiles.npy(dir.resolve("bad.npy"), d, "(1,)", new byte[16]);
            assertBad(p, () -> Npy.open(p), "unsupported dtype");
        }
    }

    /** A Fortran-order (N, D) array (np.save(f, A.T) of a (D, N) array) in big-endian float64. */
    private Path fortranMatrix(float[] rowMajor, int n, int d, String name) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 * n * d).order(ByteOrder.BIG_ENDIAN);
        for (int c = 0; c < d; c++) {
            for (int r = 0; r < n; r++) {
                b.putDouble(rowMajor[r * d + c]);
            }
        }
        return TestFiles.npy(dir.resolve(name), 1,
                "{'descr': '>f8', 'fortran_order': True, 'shape': (" + n + ", " + d + "), }", b.array());
    }

    @Test
    void fortranOrderMatricesStreamInBatches() throws IOException {
        int n = 37;
        int d = 5;
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = i * 0.25f - 3;
        }
        Path f = fortranMatrix(x, n, d, "f.npy");
        Path c = dir.resolve("c.npy");
        Npy.write(c, x, n, d);
        try (Tensor2D tf = Sources.openEmbeddings(List.of(f.toString(), c.toString()))) {
            assertEquals(2L * n, tf.rows());
            assertEquals(d, tf.cols());
            for (int batch : new int[]{1, 4, 36, 37}) {
                for (long r0 = 0; r0 < tf.rows(); r0 += batch) {
                    long r1 = Math.min(tf.rows(), r0 + batch);
                    float[] got = tf.readFloats(r0, r1);
                    double[] gotD = tf.readDoubles(r0, r1);
                    for (long r = r0; r < r1; r++) {
                        for (int j = 0; j < d; j++) {
                            float want = x[(int) (r % n) * d + j];
                            assertEquals(want, got[(int) (r - r0) * d + j], "row " + r + " col " + j + " batch " + batch);
                            assertEquals(want, gotD[(int) (r - r0) * d + j], 0.0);
                        }
                    }
                }
            }
        }
    }

    @Test
    void fortranOrderIntegerErrorsNameRowAndColumn() throws IOException {
        // (3, 2) int64, column-major: column 0 = 0, 1, 2; column 1 = 3, 2^40, 5
        ByteBuffer b = ByteBuffer.allocate(48).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : new long[]{0, 1, 2, 3, 1L << 40, 5}) {
            b.putLong(v);
        }
        Path p = TestFiles.npy(dir.resolve("fi.npy"), 1, "{'descr': '<i8', 'fortran_order': True, 'shape': (3, 2), }", b.array());
        try (NpyArray a = Npy.open(p)) {
            assertArrayEquals(new int[]{0, 3}, a.readInts(0, 1));
            assertBad(p, () -> a.readInts(0, 3), "row 1, column 1", String.valueOf(1L << 40));
        }
    }

    @Test
    void headerWithRawBytesIsReadAsLatin1AndEscaped() throws IOException {
        byte[] header = "{'descr': '<f4\u0085', 'fortran_order': False, 'shape': (1,), }".getBytes(StandardCharsets.ISO_8859_1);
        Path p = dir.resolve("latin.npy");
        ByteBuffer b = ByteBuffer.allocate(128 + 4).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) 118).put(header);
        while (b.position() < 127) {
            b.put((byte) ' ');
        }
        b.put((byte) '\n');
        Files.write(p, b.array());
        String m = assertBad(p, () -> Npy.open(p), "unsupported dtype").getMessage();
        assertTrue(m.contains("\\x85"), m);
    }
}
