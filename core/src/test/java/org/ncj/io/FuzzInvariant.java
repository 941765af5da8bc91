package org.ncj.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The fuzz targets' invariant: a read either succeeds (and the target checks the result) or ends
 * in a clean error: an {@link IOException} (a {@link BadInputException} for a bad file) whose
 * message starts with the source's name, is one line, short and printable. Anything else (an
 * unchecked exception, an {@link Error}, a message that echoes raw bytes) is a finding.
 */
public final class FuzzInvariant {
    /** Longest message accepted: {@link Messages} caps each part at a few hundred characters. */
    static final int MAX_MESSAGE = 1000;

    private FuzzInvariant() {
    }

    /** Checks a caught exception; rethrows it wrapped in an AssertionError when it is not clean. */
    public static void clean(Exception e, String source) {
        if (!(e instanceof IOException)) {
            throw new AssertionError("not an IOException: " + e, e);
        }
        cleanMessage(e, source);
    }

    /** Checks the message of an exception that is of an accepted type. */
    public static void cleanMessage(Exception e, String source) {
        String m = e.getMessage();
        if (m == null || !m.startsWith(source)) {
            throw new AssertionError("message does not name " + source + ": " + m, e);
        }
        if (m.length() > MAX_MESSAGE) {
            throw new AssertionError("message of " + m.length() + " characters", e);
        }
        for (int i = 0; i < m.length(); i++) {
            char c = m.charAt(i);
            if (c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0x2028 || c == 0x2029 || c == 0x202e) {
                throw new AssertionError("raw U+" + Integer.toHexString(c) + " in the message: " + m, e);
            }
        }
    }

    private static Path dir;
    private static final java.util.Set<String> NAMES = new java.util.HashSet<>();

    /**
     * A file for one input, rewritten for each (fuzzing runs one input at a time per JVM), in a
     * directory of this JVM removed when it exits.
     */
    public static synchronized Path file(String name, byte[] content) {
        try {
            if (dir == null) {
                dir = Files.createTempDirectory("ncj-fuzz-");
                dir.toFile().deleteOnExit();
            }
            Path f = dir.resolve(name);
            if (NAMES.add(name)) {
                f.toFile().deleteOnExit(); // registered after the directory, so deleted before it
            }
            return Files.write(f, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
