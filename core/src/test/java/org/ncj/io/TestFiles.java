package org.ncj.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.function.Executable;

/** Hand-built test files, independent of the writers under test. */
final class TestFiles {

    private TestFiles() {
    }

    /** A .npy file with the given header dict text (padded here) and raw data. */
    static Path npy(Path file, int major, String dict, byte[] data) throws IOException {
        byte[] h = dict.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        int prefix = major == 1 ? 10 : 12;
        int total = (prefix + h.length + 1 + 63) / 64 * 64;
        ByteBuffer b = ByteBuffer.allocate(total + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            b.putShort((short) (total - prefix));
        } else {
            b.putInt(total - prefix);
        }
        b.put(h);
        while (b.position() < total - 1) {
            b.put((byte) ' ');
        }
        b.put((byte) '\n').put(data);
        Files.write(file, b.array());
        return file;
    }

    static Path npy(Path file, String descr, String shape, byte[] data) throws IOException {
        return npy(file, 1, "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }", data);
    }

    /** A safetensors file with the given JSON header (padded with spaces to a multiple of 8) and byte buffer. */
    static Path safetensors(Path file, String json, byte[] data) throws IOException {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        int n = (h.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + n + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(n).put(h);
        while (b.position() < 8 + n) {
            b.put((byte) ' ');
        }
        b.put(data);
        Files.write(file, b.array());
        return file;
    }

    /** Asserts a one-line BadInputException whose message starts with {@code file} and contains every fragment. */
    static BadInputException assertBad(String file, Executable call, String... fragments) {
        BadInputException e = assertThrows(BadInputException.class, call);
        String m = e.getMessage();
        assertTrue(m.startsWith(file + ": "), () -> "message does not start with the file " + file + ": " + m);
        for (String f : fragments) {
            assertTrue(m.contains(f), () -> "message lacks '" + f + "': " + m);
        }
        assertFalse(m.contains("\n"), () -> "message is not one line: " + m);
        assertEquals(file, e.file());
        return e;
    }

    static BadInputException assertBad(Path file, Executable call, String... fragments) {
        return assertBad(file.toString(), call, fragments);
    }
}
