package org.ncj.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.ncj.io.TestFiles.assertBad;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {

    @TempDir
    Path dir;

    /** bfloat16 bit patterns and their values: the upper half of the float32 bits. */
    static final short[] BF16_BITS = {0x3F80, (short) 0xC000, 0x4049, 0x7F80, 0x0001, (short) 0xFF7F};
    static final float[] BF16_VALUES = {1.0f, -2.0f, 3.140625f, Float.POSITIVE_INFINITY, 9.183549615799121e-41f,
            -3.3895313892515355e38f};

    private static byte[] le(int bytes, java.util.function.Consumer<ByteBuffer> fill) {
        ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        fill.accept(b);
        return b.array();
    }

    @Test
    void handBuiltFileWithEveryDtype() throws IOException {
        byte[] f16 = le(12, b -> {
            for (short s : NpyTest.F16_BITS) {
                b.putShort(s);
            }
        });
        byte[] bf16 = le(12, b -> {
            for (short s : BF16_BITS) {
                b.putShort(s);
            }
        });
        byte[] f32 = le(8, b -> b.putFloat(1.5f).putFloat(-0.1f));
        byte[] f64 = le(16, b -> b.putDouble(Math.PI).putDouble(-1e-300));
        byte[] i32 = le(8, b -> b.putInt(-7).putInt(Integer.MAX_VALUE));
        byte[] i64 = le(16, b -> b.putLong(42).putLong(Integer.MIN_VALUE));
        byte[] all = le(72, b -> b.put(f16).put(bf16).put(f32).put(f64).put(i32).put(i64));
        String json = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[2,3],\"data_offsets\":[0,12]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[3,2],\"data_offsets\":[12,24]},"
                + "\"f\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[24,32]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[1,2],\"data_offsets\":[32,48]},"
                + "\"i\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[48,56]},"
                + "\"l\":{\"dtype\":\"I64\",\"shape\":[2,1],\"data_offsets\":[56,72]}}";
        Path p = TestFiles.safetensors(dir.resolve("m.safetensors"), json, all);
        try (SafetensorsFile f = Safetensors.open(p)) {
            assertEquals(List.of("h", "b", "f", "d", "i", "l"), f.names());
            assertEquals(Map.of("format", "pt"), f.metadata());
            SafetensorsTensor h = f.tensor("h");
            assertEquals(StorageType.F16, h.dtype());
            assertEquals(p + ":h", h.name());
            assertArrayEquals(new long[]{2, 3}, h.shape());
            assertArrayEquals(NpyTest.F16_VALUES, h.readFloats(0, 2));
            SafetensorsTensor b = f.tensor("b");
            assertEquals(3, b.rows());
            assertEquals(2, b.cols());
            assertArrayEquals(BF16_VALUES, b.readFloats(0, 3));
            assertArrayEquals(new double[]{3.140625, Double.POSITIVE_INFINITY}, b.readDoubles(1, 2));
            assertArrayEquals(new float[]{1.5f, -0.1f}, f.tensor("f").readFloats(0, 2));
            assertArrayEquals(new double[]{Math.PI, -1e-300}, f.tensor("d").readDoubles(0, 1));
            assertArrayEquals(new int[]{-7, Integer.MAX_VALUE}, f.tensor("i").readInts(0, 2));
            assertArrayEquals(new int[]{42, Integer.MIN_VALUE}, f.tensor("l").readInts(0, 2));
        }
        try (SafetensorsTensor t = Safetensors.openTensor(p, "b")) {
            assertArrayEquals(new float[]{-3.3895313892515355e38f}, new float[]{t.readFloats(2, 3)[1]});
        }
    }

    @Test
    void writerRoundTrips() throws IOException {
        Path p = dir.resolve("w.safetensors");
        float[] halves = {1.0f, -2.0f, 65504.0f, 0.33325195f};
        new Safetensors.Writer()
                .metadata("note", "a \"quoted\" value")
                .add("x", new float[]{1, 2, 3, 4, 5, 6}, 2, 3)
                .add("d", new double[]{0.1, 0.2})
                .add("y", new int[]{3, 1, 2})
                .add("z", new long[]{5, 6}, 2, 1)
                .addF16("h", halves, 2, 2)
                .addBf16("b", new float[]{1.0f, 3.140625f, 1.00390625f, 1.01171875f})
                .write(p);
        assertEquals(0, (Files.size(p) - 8 - (6 * 4 + 16 + 12 + 16 + 8 + 8)) % 8);
        try (SafetensorsFile f = Safetensors.open(p)) {
            assertEquals("a \"quoted\" value", f.metadata().get("note"));
            assertArrayEquals(new float[]{4, 5, 6}, f.tensor("x").readFloats(1, 2));
            assertArrayEquals(new double[]{0.1, 0.2}, f.tensor("d").readDoubles(0, 2));
            assertArrayEquals(new int[]{3, 1, 2}, f.tensor("y").readInts(0, 3));
            assertArrayEquals(new int[]{5, 6}, f.tensor("z").readInts(0, 2));
            assertArrayEquals(halves, f.tensor("h").readFloats(0, 2));
            // 1.00390625 is a tie between 1.0 and 1.0078125: to even (1.0); 1.01171875 rounds up to 1.015625
            assertArrayEquals(new float[]{1.0f, 3.140625f, 1.0f, 1.015625f}, f.tensor("b").readFloats(0, 4));
            assertEquals(List.of("x", "d", "y", "z", "h", "b"), Safetensors.names(p));
        }
    }

    @Test
    void bf16Conversion() {
        for (int k = 0; k < BF16_BITS.length; k++) {
            assertEquals(BF16_VALUES[k], MappedTensor.bf16ToFloat(BF16_BITS[k]));
            assertEquals(BF16_BITS[k], MappedTensor.floatToBf16(BF16_VALUES[k]));
        }
        assertEquals((short) 0x3F82, MappedTensor.floatToBf16(Float.intBitsToFloat(0x3F818000)));
        assertEquals((short) 0x3F80, MappedTensor.floatToBf16(Float.intBitsToFloat(0x3F808000)));
        assertEquals(true, Float.isNaN(MappedTensor.bf16ToFloat(MappedTensor.floatToBf16(Float.NaN))));
    }

    @Test
    void f16Conversion() {
        for (int k = 0; k < NpyTest.F16_BITS.length; k++) {
            assertEquals(NpyTest.F16_VALUES[k], Float.float16ToFloat(NpyTest.F16_BITS[k]));
        }
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void missingTensorListsThosePresent() throws IOException {
        Path p = dir.resolve("m.safetensors");
        new Safetensors.Writer().add("alpha", new float[2]).add("beta", new int[2]).write(p);
        assertBad(p, () -> Safetensors.openTensor(p, "gamma"), "no tensor 'gamma'", "present: alpha, beta");
        try (SafetensorsFile f = Safetensors.open(p)) {
            assertBad(p, () -> f.tensor("gamma"), "no tensor 'gamma'", "alpha, beta");
        }
    }

    @Test
    void offsetsOutOfBounds() throws IOException {
        Path p = TestFiles.safetensors(dir.resolve("oob.safetensors"),
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", new byte[12]);
        assertBad(p, () -> Safetensors.open(p), "tensor 'x'", "data_offsets [0, 16] out of bounds", "12-byte");
        Path q = TestFiles.safetensors(dir.resolve("rev.safetensors"),
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}", new byte[12]);
        assertBad(q, () -> Safetensors.openTensor(q, "x"), "out of bounds");
        Path r = TestFiles.safetensors(dir.resolve("size.safetensors"),
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}", new byte[12]);
        assertBad(r, () -> Safetensors.open(r), "spanning 12 bytes", "needs 16");
        Path s = TestFiles.safetensors(dir.resolve("neg.safetensors"),
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", new byte[12]);
        assertBad(s, () -> Safetensors.open(s), "data_offsets", "not a non-negative");
    }

    @Test
    void truncatedFile() throws IOException {
        Path p = dir.resolve("t.safetensors");
        new Safetensors.Writer().add("x", new float[8], 2, 4).write(p);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 1);
        }
        assertBad(p, () -> Safetensors.openTensor(p, "x"), "tensor 'x'", "out of bounds", "truncated");
    }

    @Test
    void notASafetensorsFile() throws IOException {
        Path npy = dir.resolve("a.npy");
        Npy.write(npy, new float[4]);
        assertBad(npy, () -> Safetensors.open(npy), "not a safetensors file", "header length");
        Path tiny = Files.write(dir.resolve("tiny.safetensors"), new byte[]{1, 2, 3});
        assertBad(tiny, () -> Safetensors.open(tiny), "not a safetensors file");
        Path bad = TestFiles.safetensors(dir.resolve("json.safetensors"), "{\"x\": [1, 2", new byte[0]);
        assertBad(bad, () -> Safetensors.open(bad), "malformed safetensors header JSON");
        Path missing = dir.resolve("gone.safetensors");
        assertBad(missing, () -> Safetensors.open(missing), "no such file");
    }

    @Test
    void unsupportedDtypeAndRank() throws IOException {
        Path p = TestFiles.safetensors(dir.resolve("u.safetensors"),
                "{\"q\":{\"dtype\":\"F8_E4M3\",\"shape\":[4],\"data_offsets\":[0,4]},"
                        + "\"c\":{\"dtype\":\"F32\",\"shape\":[1,1,1],\"data_offsets\":[4,8]},"
                        + "\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[8,12]},"
                        + "\"ok\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[12,16]}}",
                le(16, b -> b.putFloat(12, 2.5f)));
        try (SafetensorsFile f = Safetensors.open(p)) {
            assertBad(p + ":q", () -> f.tensor("q"), "unsupported dtype F8_E4M3");
            assertBad(p + ":c", () -> f.tensor("c"), "rank 3");
            assertBad(p + ":s", () -> f.tensor("s"), "rank 0");
            assertArrayEquals(new float[]{2.5f}, f.tensor("ok").readFloats(0, 1));
            assertBad(p + ":ok", () -> f.tensor("ok").readInts(0, 1), "not an integer type");
        }
    }

    @Test
    void jsonParser() {
        Object v = Json.parse(" {\"a\": [1, -2, 3.5e0, true, false, null, \"x\\u0041\\n\"], \"b\": {}} ");
        assertEquals("{a=[1, -2, 3.5, true, false, null, xA\n], b={}}", v.toString());
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\":1,\"a\":2}"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\":1} x"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("[1,]"));
        assertEquals("\"a\\\"b\\\\c\\u0001\"", Json.quote("a\"b\\c\u0001"));
    }
}
