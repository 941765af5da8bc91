package org.ncj.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ncj.io.TestFiles.assertBad;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile safetensors headers (issue 12, items 2, 3 and 6): numbers that do not fit are rejected
 * at once with a short message, and data_offsets are validated as the format's reference
 * implementation does (in order, within the buffer, no overlap, no hole, each length equal to
 * shape times element size).
 */
class HostileSafetensorsTest {

    @TempDir
    Path dir;

    private static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    @Test
    void hugeNumbersAreRejectedAtOnceWithAShortMessage() throws IOException {
        for (String number : new String[]{"1e999999999", "1e2147483647", "-1e-2147483648", "9".repeat(90),
                "1" + "0".repeat(5000), "2.5", "1E3"}) {
            Path p = TestFiles.safetensors(dir.resolve("n.safetensors"),
                    "{\"x\":{\"dtype\":\"F32\",\"shape\":[" + number + "],\"data_offsets\":[0,4]}}", new byte[4]);
            BadInputException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                    () -> assertBad(p, () -> Safetensors.open(p), "safetensors header"));
            assertTrue(e.getMessage().length() < 800, () -> number.length() + "-character number: message of "
                    + e.getMessage().length() + " characters");
        }
    }

    @Test
    void deepNestingIsACleanError() throws IOException {
        Path p = TestFiles.safetensors(dir.resolve("deep.safetensors"),
                "{\"x\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}", new byte[0]);
        assertBad(p, () -> Safetensors.open(p), "malformed safetensors header JSON", "nesting");
    }

    @Test
    void overlappingTensorsAreRejected() throws IOException {
        Path p = TestFiles.safetensors(dir.resolve("overlap.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", floats(1, 2, 3));
        assertBad(p, () -> Safetensors.open(p), "tensor 'b'", "[4, 12]", "overlap");
        assertBad(p, () -> Safetensors.openTensor(p, "a"), "overlap");
        assertBad(p, () -> Safetensors.names(p), "overlap");
    }

    @Test
    void holesBetweenOrAfterTensorsAreRejected() throws IOException {
        Path gap = TestFiles.safetensors(dir.resolve("gap.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", floats(1, 2, 3));
        assertBad(gap, () -> Safetensors.open(gap), "tensor 'b'", "gaps");
        Path lead = TestFiles.safetensors(dir.resolve("lead.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", floats(1, 2));
        assertBad(lead, () -> Safetensors.open(lead), "tensor 'a'", "starts at 0");
        Path tail = TestFiles.safetensors(dir.resolve("tail.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", floats(1, 2));
        assertBad(tail, () -> Safetensors.open(tail), "cover 4 bytes of the 8-byte data buffer");
    }

    @Test
    void tensorsOutOfFileOrderAreReadWhenTheyTileTheBuffer() throws IOException {
        Path p = TestFiles.safetensors(dir.resolve("order.safetensors"),
                "{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},"
                        + "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]},"
                        + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", floats(1, 2));
        try (SafetensorsFile f = Safetensors.open(p)) {
            assertArrayEquals(new float[]{1}, f.tensor("a").readFloats(0, 1));
            assertArrayEquals(new float[]{2}, f.tensor("b").readFloats(0, 1));
        }
    }

    @Test
    void lengthMustMatchShapeForEveryDtypeIncludingUnreadableOnes() throws IOException {
        Path p = TestFiles.safetensors(dir.resolve("q.safetensors"),
                "{\"q\":{\"dtype\":\"F8_E4M3\",\"shape\":[4],\"data_offsets\":[0,8]}}", new byte[8]);
        assertBad(p, () -> Safetensors.open(p), "spanning 8 bytes", "needs 4");
        Path u = TestFiles.safetensors(dir.resolve("unknown.safetensors"),
                "{\"q\":{\"dtype\":\"Q7\",\"shape\":[4],\"data_offsets\":[0,8]}}", new byte[8]);
        assertBad(u, () -> Safetensors.open(u), "unknown dtype 'Q7'");
    }

    @Test
    void controlCharactersInNamesAreEscaped() throws IOException {
        Path p = TestFiles.safetensors(dir.resolve("esc.safetensors"),
                "{\"a\\u0000\\u001b[31m\\u009b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8]);
        String m = assertBad(p, () -> Safetensors.open(p), "needs 4").getMessage();
        assertTrue(m.contains("a\\x00\\x1b[31m\\x9b"), m);
        for (char c : new char[]{0, 0x1b, 0x9b}) {
            assertTrue(m.indexOf(c) < 0, m);
        }
    }
}
