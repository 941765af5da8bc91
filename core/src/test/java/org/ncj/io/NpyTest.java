package org.ncj.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.ncj.io.TestFiles.assertBad;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class NpyTest {

    @TempDir
    Path dir;

    /** float16 bit patterns and their values (from numpy: np.float16(v).view(np.uint16)). */
    static final short[] F16_BITS = {0x3C00, (short) 0xC000, 0x7BFF, 0x0400, 0x0001, 0x3555};
    static final float[] F16_VALUES = {1.0f, -2.0f, 65504.0f, 6.1035156e-05f, 5.9604645e-08f, 0.33325195f};

    static Stream<Arguments> dtypes() {
        List<Arguments> l = new ArrayList<>();
        for (String code : new String[]{"f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "b1"}) {
            boolean oneByte = code.endsWith("1");
            for (String bo : oneByte ? new String[]{"|"} : new String[]{"<", ">"}) {
                l.add(Arguments.of(code, bo));
            }
        }
        return l.stream();
    }

    /** Six values exactly representable in each type, written by hand in the given byte order. */
    @ParameterizedTest(name = "{1}{0}")
    @MethodSource("dtypes")
    void readsEveryDtypeInEitherByteOrder(String code, String bo) throws IOException {
        ByteOrder order = bo.equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        int size = Integer.parseInt(code.substring(1));
        ByteBuffer b = ByteBuffer.allocate(6 * size).order(order);
        double[] expected = new double[6];
        long[] ints = switch (code) {
            case "i1" -> new long[]{0, -1, 127, -128, 5, 6};
            case "u1" -> new long[]{0, 1, 200, 255, 7, 8};
            case "b1" -> new long[]{0, 1, 1, 0, 0, 1};
            case "i2" -> new long[]{0, -1, 32767, -32768, 258, 6};
            case "u2" -> new long[]{0, 65535, 40000, 1, 258, 3};
            case "i4" -> new long[]{0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 0x01020304, 7};
            case "u4" -> new long[]{0, 1, Integer.MAX_VALUE, 40000, 0x01020304, 7};
            case "i8" -> new long[]{0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 0x01020304, 7};
            case "u8" -> new long[]{0, 1, Integer.MAX_VALUE, 40000, 0x01020304, 7};
            default -> null;
        };
        switch (code) {
            case "f2" -> {
                for (int i = 0; i < 6; i++) {
                    b.putShort(F16_BITS[i]);
                    expected[i] = F16_VALUES[i];
                }
            }
            case "f4" -> {
                float[] v = {1.5f, -2.25f, 3.0e-8f, Float.MAX_VALUE, -0.0f, 0.1f};
                for (int i = 0; i < 6; i++) {
                    b.putFloat(v[i]);
                    expected[i] = v[i];
                }
            }
            case "f8" -> {
                double[] v = {Math.PI, -1e30, 1e-310, 2.0, -0.0, 0.1};
                for (int i = 0; i < 6; i++) {
                    b.putDouble(v[i]);
                    expected[i] = v[i];
                }
            }
            default -> {
                for (int i = 0; i < 6; i++) {
                    switch (size) {
                        case 1 -> b.put((byte) ints[i]);
                        case 2 -> b.putShort((short) ints[i]);
                        case 4 -> b.putInt((int) ints[i]);
                        default -> b.putLong(ints[i]);
                    }
                }
            }
        }
        Path f = TestFiles.npy(dir.resolve(code + ".npy"), bo + code, "(2, 3)", b.array());
        try (NpyArray a = Npy.open(f)) {
            assertEquals(2, a.rows());
            assertEquals(3, a.cols());
            assertEquals(2, a.rank());
            assertArrayEquals(new long[]{2, 3}, a.shape());
            assertEquals(code, a.dtype().npyCode());
            if (size > 1) {
                assertEquals(order, a.byteOrder());
            }
            if (ints == null) {
                float[] ef = new float[6];
                for (int i = 0; i < 6; i++) {
                    ef[i] = (float) expected[i];
                }
                assertArrayEquals(ef, a.readFloats(0, 2));
                assertArrayEquals(expected, a.readDoubles(0, 2));
                assertArrayEquals(new float[]{ef[3], ef[4], ef[5]}, a.readFloats(1, 2));
                assertBad(f, () -> a.readInts(0, 1), "not an integer type", a.dtype().displayName());
            } else {
                int[] ei = new int[6];
                for (int i = 0; i < 6; i++) {
                    ei[i] = (int) ints[i];
                }
                assertArrayEquals(ei, a.readInts(0, 2));
                int[] dst = new int[5];
                a.readInts(1, 2, dst, 2);
                assertArrayEquals(new int[]{0, 0, ei[3], ei[4], ei[5]}, dst);
                assertBad(f, () -> a.readFloats(0, 1), "not a floating-point type");
            }
        }
    }

    @Test
    void writerRoundTripsEveryType() throws IOException {
        float[] f = {1, 2, 3, 4.5f, -5, 6};
        Npy.write(dir.resolve("f.npy"), f, 3, 2);
        double[] d = {Math.E, -1e-300};
        Npy.write(dir.resolve("d.npy"), d);
        int[] i = {7, -8, Integer.MIN_VALUE};
        Npy.write(dir.resolve("i.npy"), i);
        long[] l = {1, 2, 3, 4};
        Npy.write(dir.resolve("l.npy"), l, 4, 1);
        try (NpyArray a = Npy.open(dir.resolve("f.npy"))) {
            assertArrayEquals(new long[]{3, 2}, a.shape());
            assertEquals(StorageType.F32, a.dtype());
            assertEquals(ByteOrder.LITTLE_ENDIAN, a.byteOrder());
            assertEquals("1.0", a.version());
            assertEquals(0, a.dataOffset() % 64);
            assertArrayEquals(f, a.readFloats(0, 3));
            assertArrayEquals(new float[]{3, 4.5f}, a.readFloats(1, 2));
            assertArrayEquals(new float[0], a.readFloats(2, 2));
        }
        try (NpyArray a = Npy.open(dir.resolve("d.npy"))) {
            assertArrayEquals(new long[]{2}, a.shape());
            assertEquals(1, a.cols());
            assertArrayEquals(d, a.readDoubles(0, 2));
        }
        try (NpyArray a = Npy.open(dir.resolve("i.npy"))) {
            assertEquals(StorageType.I32, a.dtype());
            assertArrayEquals(i, a.readInts(0, 3));
        }
        try (NpyArray a = Npy.open(dir.resolve("l.npy"))) {
            assertEquals(StorageType.I64, a.dtype());
            assertArrayEquals(new int[]{1, 2, 3, 4}, a.readInts(0, 4));
        }
    }

    @Test
    void writerIsReadableByItsOwnHeaderRules() throws IOException {
        // exact bytes for a 2x2 float32, as numpy 2.4 writes them (np.save)
        Path p = dir.resolve("w.npy");
        Npy.write(p, new float[]{1, 2, 3, 4}, 2, 2);
        byte[] bytes = Files.readAllBytes(p);
        String header = new String(bytes, 10, 118, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertEquals("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", header.strip());
        assertEquals(128 + 16, bytes.length);
        assertEquals('\n', header.charAt(117));
    }

    @Test
    void writerRejectsWrongShape() {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Npy.write(dir.resolve("x.npy"), new float[5], 2, 3));
    }

    @Test
    void readsVersion2And3Headers() throws IOException {
        byte[] data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.25f).putFloat(-3f).array();
        for (int major : new int[]{2, 3}) {
            Path p = TestFiles.npy(dir.resolve("v" + major + ".npy"), major,
                    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", data);
            try (NpyArray a = Npy.open(p)) {
                assertEquals(major + ".0", a.version());
                assertEquals(1, a.rank());
                assertArrayEquals(new float[]{1.25f, -3f}, a.readFloats(0, 2));
            }
        }
    }

    @Test
    void acceptsKeyOrderQuotesAndPython2Longs() throws IOException {
        byte[] data = ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putInt(9).putInt(-9).array();
        Path p = TestFiles.npy(dir.resolve("odd.npy"), 1,
                "{\"shape\": (2L, 1L), 'fortran_order': True, \"descr\": '>i4'}", data);
        try (NpyArray a = Npy.open(p)) {
            assertArrayEquals(new int[]{9, -9}, a.readInts(0, 2));
        }
    }

    @Test
    void emptyArray() throws IOException {
        Path p = dir.resolve("empty.npy");
        Npy.write(p, new float[0], 0, 8);
        try (NpyArray a = Npy.open(p)) {
            assertEquals(0, a.rows());
            assertEquals(8, a.cols());
            assertArrayEquals(new float[0], a.readFloats(0, 0));
        }
    }

    @Test
    void rowRangeIsChecked() throws IOException {
        Path p = dir.resolve("r.npy");
        Npy.write(p, new float[6], 3, 2);
        try (NpyArray a = Npy.open(p)) {
            org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class, () -> a.readFloats(2, 4));
            org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class, () -> a.readFloats(2, 1));
            org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class,
                    () -> a.readFloats(0, 3, new float[5], 0));
        }
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void truncatedData() throws IOException {
        Path p = dir.resolve("trunc.npy");
        Npy.write(p, new float[12], 3, 4);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 4);
        }
        assertBad(p, () -> Npy.open(p), "truncated", "48 bytes", "44");
    }

    @Test
    void trailingBytes() throws IOException {
        Path p = dir.resolve("trail.npy");
        Npy.write(p, new float[4], 2, 2);
        Files.write(p, new byte[3], StandardOpenOption.APPEND);
        assertBad(p, () -> Npy.open(p), "3 bytes after");
    }

    @Test
    void truncatedHeader() throws IOException {
        Path p = dir.resolve("hdr.npy");
        Npy.write(p, new float[4], 2, 2);
        byte[] all = Files.readAllBytes(p);
        Files.write(p, java.util.Arrays.copyOf(all, 40));
        assertBad(p, () -> Npy.open(p), "truncated header");
    }

    @Test
    void badMagic() throws IOException {
        Path p = Files.writeString(dir.resolve("text.npy"), "this is not a numpy file at all");
        assertBad(p, () -> Npy.open(p), "not a .npy file", "bad magic");
        Path tiny = Files.write(dir.resolve("tiny.npy"), new byte[]{(byte) 0x93, 'N'});
        assertBad(tiny, () -> Npy.open(tiny), "not a .npy file");
    }

    @Test
    void unsupportedVersion() throws IOException {
        Path p = TestFiles.npy(dir.resolve("v4.npy"), 2, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", new byte[4]);
        byte[] b = Files.readAllBytes(p);
        b[6] = 4;
        Files.write(p, b);
        assertBad(p, () -> Npy.open(p), "unsupported .npy format version 4.0");
    }

    @Test
    void unsupportedDtypes() throws IOException {
        Path c = TestFiles.npy(dir.resolve("complex.npy"), "<c8", "(2,)", new byte[16]);
        assertBad(c, () -> Npy.open(c), "unsupported dtype '<c8'");
        Path u = TestFiles.npy(dir.resolve("unicode.npy"), "<U4", "(2,)", new byte[32]);
        assertBad(u, () -> Npy.open(u), "unsupported dtype '<U4'");
        Path longDouble = TestFiles.npy(dir.resolve("f16.npy"), "<f16", "(2,)", new byte[32]);
        assertBad(longDouble, () -> Npy.open(longDouble), "unsupported dtype '<f16'");
        Path s = TestFiles.npy(dir.resolve("struct.npy"), 1,
                "{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (2,), }", new byte[16]);
        assertBad(s, () -> Npy.open(s), "unsupported dtype", "structured");
    }

    @Test
    void wrongRank() throws IOException {
        Path three = TestFiles.npy(dir.resolve("rank3.npy"), "<f4", "(2, 2, 2)", new byte[32]);
        assertBad(three, () -> Npy.open(three), "rank 3", "(2, 2, 2)");
        Path zero = TestFiles.npy(dir.resolve("rank0.npy"), 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", new byte[4]);
        assertBad(zero, () -> Npy.open(zero), "rank 0");
    }

    @Test
    void fortranOrder() throws IOException {
        // column-major (2, 3): storage order is column 0, column 1, column 2
        ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : new float[]{1, 4, 2, 5, 3, 6}) {
            b.putFloat(v);
        }
        Path p = TestFiles.npy(dir.resolve("fortran.npy"), 1,
                "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", b.array());
        try (NpyArray a = Npy.open(p)) {
            assertArrayEquals(new float[]{1, 2, 3, 4, 5, 6}, a.readFloats(0, 2));
            assertArrayEquals(new float[]{4, 5, 6}, a.readFloats(1, 2));
        }
        // a Fortran-order column is laid out like a C-order one
        Path col = TestFiles.npy(dir.resolve("fcol.npy"), 1,
                "{'descr': '<f4', 'fortran_order': True, 'shape': (6,), }", new byte[24]);
        try (NpyArray a = Npy.open(col)) {
            assertEquals(6, a.rows());
        }
    }

    /**
     * Every reader on a Fortran-order matrix (one generic path for floats, doubles and ints), and
     * a bad label named at its row and column, the first in file order.
     */
    @Test
    void fortranOrderEveryReader() throws IOException {
        // column-major (3, 2): storage order is column 0 then column 1
        ByteBuffer b = ByteBuffer.allocate(48).order(ByteOrder.BIG_ENDIAN);
        for (double v : new double[]{1, 3, 5, 2, 4, 0.1}) {
            b.putDouble(v);
        }
        Path p = TestFiles.npy(dir.resolve("f8.npy"), 1, "{'descr': '>f8', 'fortran_order': True, 'shape': (3, 2), }", b.array());
        try (NpyArray a = Npy.open(p)) {
            assertArrayEquals(new double[]{1, 2, 3, 4, 5, 0.1}, a.readDoubles(0, 3));
            double[] dst = new double[5];
            a.readDoubles(1, 3, dst, 1);
            assertArrayEquals(new double[]{0, 3, 4, 5, 0.1}, dst);
            assertArrayEquals(new float[]{3, 4, 5, 0.1f}, a.readFloats(1, 3));
            assertBad(p, () -> a.readInts(0, 1), "not an integer type");
        }
        ByteBuffer u = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : new int[]{0, 1, -5, 3, -1, 7}) {
            u.putInt(v);
        }
        Path q = TestFiles.npy(dir.resolve("u4.npy"), 1, "{'descr': '<u4', 'fortran_order': True, 'shape': (3, 2), }", u.array());
        try (NpyArray a = Npy.open(q)) {
            assertArrayEquals(new int[]{0, 3}, a.readInts(0, 1));
            // (2, 0) holds 2^32 - 5 and (1, 1) 2^32 - 1: the first in file order, not in row order, is named
            assertBad(q, () -> a.readInts(0, 3), "row 2, column 0", "4294967291");
            assertBad(q, () -> a.readInts(1, 2), "row 1, column 1", "4294967295");
            assertBad(q, () -> a.readFloats(0, 1), "not a floating-point type");
        }
    }

    /** float16 and float32 read as float64 in more than one decoding chunk: each value exactly its float. */
    @Test
    void narrowFloatsWidenExactlyAcrossChunks() throws IOException {
        int n = 2 * 4096 + 4; // past two decoding chunks, and a multiple of 3 for the (n / 3, 3) file
        Random r = new Random(8);
        ByteBuffer h = ByteBuffer.allocate(2 * n).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer f = ByteBuffer.allocate(4 * n).order(ByteOrder.BIG_ENDIAN);
        double[] eh = new double[n];
        double[] ef = new double[n];
        for (int i = 0; i < n; i++) {
            short bits = (short) r.nextInt(0x7c00);
            h.putShort(bits);
            eh[i] = Float.float16ToFloat(bits);
            float v = (float) r.nextGaussian();
            f.putFloat(v);
            ef[i] = v;
        }
        Path ph = TestFiles.npy(dir.resolve("h.npy"), "<f2", "(" + n + ",)", h.array());
        Path pf = TestFiles.npy(dir.resolve("f.npy"), ">f4", "(" + n / 3 + ", 3)", f.array());
        try (NpyArray a = Npy.open(ph); NpyArray b = Npy.open(pf)) {
            assertArrayEquals(eh, a.readDoubles(0, n));
            double[] dst = new double[n + 1];
            a.readDoubles(1, n, dst, 2);
            assertArrayEquals(java.util.Arrays.copyOfRange(eh, 1, n), java.util.Arrays.copyOfRange(dst, 2, n + 1));
            assertArrayEquals(ef, b.readDoubles(0, n / 3));
        }
    }

    @Test
    void malformedHeader() throws IOException {
        Path p = TestFiles.npy(dir.resolve("mal.npy"), 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, ", new byte[8]);
        assertBad(p, () -> Npy.open(p), "malformed .npy header");
        Path k = TestFiles.npy(dir.resolve("keys.npy"), 1, "{'descr': '<f4', 'shape': (2,), }", new byte[8]);
        assertBad(k, () -> Npy.open(k), "malformed .npy header", "keys");
    }

    @Test
    void missingFile() {
        Path p = dir.resolve("nope.npy");
        assertBad(p, () -> Npy.open(p), "no such file");
    }

    @Test
    void labelsOutsideIntRange() throws IOException {
        Path p = dir.resolve("big.npy");
        Npy.write(p, new long[]{1, 2, 4294967296L, 3});
        try (NpyArray a = Npy.open(p)) {
            assertArrayEquals(new int[]{1, 2}, a.readInts(0, 2));
            assertBad(p, () -> a.readInts(1, 4), "row 2 ", "int64 value 4294967296", "does not fit");
        }
        Path n = dir.resolve("neg.npy");
        Npy.write(n, new long[]{0, -2147483649L});
        try (NpyArray a = Npy.open(n)) {
            assertBad(n, () -> a.readInts(0, 2), "row 1 ", "-2147483649");
        }
        byte[] u32 = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(5).putInt(-1).array();
        Path u = TestFiles.npy(dir.resolve("u32.npy"), "<u4", "(2,)", u32);
        try (NpyArray a = Npy.open(u)) {
            assertBad(u, () -> a.readInts(0, 2), "row 1 ", "uint32 value 4294967295");
        }
        byte[] u64 = ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN).putLong(5).putLong(-1).array();
        Path v = TestFiles.npy(dir.resolve("u64.npy"), ">u8", "(1, 2)", u64);
        try (NpyArray a = Npy.open(v)) {
            assertBad(v, () -> a.readInts(0, 1), "row 0, column 1", "uint64 value 18446744073709551615");
        }
        Path bool = TestFiles.npy(dir.resolve("bool.npy"), "|b1", "(2,)", new byte[]{1, 7});
        try (NpyArray a = Npy.open(bool)) {
            assertBad(bool, () -> a.readInts(0, 2), "row 1 ", "bool");
        }
    }

    @Test
    void closedArrayCannotBeRead() throws IOException {
        Path p = dir.resolve("c.npy");
        Npy.write(p, new float[]{1, 2});
        NpyArray a = Npy.open(p);
        a.close();
        a.close();
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> a.readFloats(0, 1));
    }
}
