package org.ncj.accumulate;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

import org.ncj.DType;
import org.ncj.io.Messages;

/**
 * The saved state of an accumulator: a small header and named raw arrays, all little-endian.
 *
 * <pre>
 * magic    8 bytes  "NCJACCUM"
 * version  int32    2 (version 1, without the checksum, is still read)
 * kind     int32 length + UTF-8 (e.g. "MeanAccumulator")
 * K, D     int32, int32
 * dtype    int32    0 = float32, 1 = float64
 * arrays   int32 count, then per array:
 *          int32 length + UTF-8 name, int32 type (0 = float64, 1 = int64), int64 length, the values
 * checksum int32    CRC32C of every byte before it (version 2)
 * </pre>
 *
 * <p>Reading trusts nothing: a length is checked against what an array can hold before anything
 * is allocated, arrays grow only as their bytes arrive, a duplicated array name, an unknown type,
 * a wrong checksum or trailing bytes in a file are errors, and each accumulator rejects values
 * its state cannot hold (negative counts, non-finite sums, hits above counts).
 *
 * The same bytes go to a file ({@code save(Path)}: written to a temporary sibling and renamed,
 * so a crash never leaves half a state), to a stream ({@code save(OutputStream)}) or to an array
 * ({@code toBytes()}), for exchanging state between processes without temporary files; reading
 * back applies the same checks whatever the source.
 */
public final class AccumulatorFiles {
    static final byte[] MAGIC = "NCJACCUM".getBytes(StandardCharsets.US_ASCII);
    /** The format version this build writes (it reads this one and version 1). */
    public static final int VERSION = 2;
    /** The first version, without a checksum. */
    static final int VERSION_1 = 1;
    /** Name used in messages for state read from a byte array. */
    static final String BYTES = "accumulator bytes";
    /** Name used in messages for state read from a stream. */
    static final String STREAM = "accumulator stream";
    private static final int CHUNK = 1 << 16;
    private static final int MAX_NAME = 4096;

    private AccumulatorFiles() {
    }

    /** A state read back from a file, stream or byte array named {@code source} in messages. */
    record State(String source, String kind, int k, int d, DType dtype, Map<String, Object> arrays) {
        double[] doubles(String name) throws IOException {
            Object o = arrays.get(name);
            if (!(o instanceof double[] a)) {
                throw bad(source, "no float64 array '" + name + "' in the saved " + kind);
            }
            return a;
        }

        long[] longs(String name) throws IOException {
            Object o = arrays.get(name);
            if (!(o instanceof long[] a)) {
                throw bad(source, "no int64 array '" + name + "' in the saved " + kind);
            }
            return a;
        }

        /** Counts: an int64 array of {@code length} values, none negative. */
        long[] counts(String name, long length) throws IOException {
            long[] a = longs(name);
            checkLength(name, a.length, length);
            for (int i = 0; i < a.length; i++) {
                if (a[i] < 0) {
                    throw bad(source, "impossible value in the saved " + kind + ": " + name + "[" + i + "] = "
                            + a[i] + " is negative");
                }
            }
            return a;
        }

        /** Sums: a float64 array of {@code length} finite values ({@code nonNegative}: none below 0). */
        double[] sums(String name, long length, boolean nonNegative) throws IOException {
            double[] a = doubles(name);
            checkLength(name, a.length, length);
            for (int i = 0; i < a.length; i++) {
                if (!Double.isFinite(a[i]) || (nonNegative && a[i] < 0)) {
                    throw bad(source, "impossible value in the saved " + kind + ": " + name + "[" + i + "] = "
                            + a[i] + (Double.isFinite(a[i]) ? " is negative" : " is not finite"));
                }
            }
            return a;
        }

        private void checkLength(String name, long have, long want) throws IOException {
            if (have != want) {
                throw bad(source, "array '" + name + "' of the saved " + kind + " has " + have
                        + " values; K = " + k + ", D = " + d + " needs " + want);
            }
        }

        /** Classes without samples must have zero sums in {@code rows} (K rows of {@code width}). */
        void emptyClassesZero(long[] counts, double[] rows, int width, String name) throws IOException {
            for (int c = 0; c < counts.length; c++) {
                if (counts[c] == 0) {
                    for (int j = 0; j < width; j++) {
                        if (rows[c * width + j] != 0) {
                            throw bad(source, "impossible value in the saved " + kind + ": class " + c
                                    + " has no samples but " + name + " of " + rows[c * width + j]);
                        }
                    }
                }
            }
        }
    }

    /** Writes a state to {@code file} through a temporary sibling renamed into place. */
    static void write(Path file, String kind, int k, int d, DType dtype, Map<String, Object> arrays) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp" + ProcessHandle.current().pid());
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), CHUNK);
            write(out, kind, k, d, dtype, arrays);
            out.flush();
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A state as bytes, the same as a file holds. */
    static byte[] toBytes(String kind, int k, int d, DType dtype, Map<String, Object> arrays) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            write(out, kind, k, d, dtype, arrays);
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory failed", e);
        }
        return out.toByteArray();
    }

    /** Writes a state to {@code out} (neither flushed nor closed: the caller owns the stream). */
    static void write(OutputStream out, String kind, int k, int d, DType dtype, Map<String, Object> arrays) throws IOException {
        CRC32C crc = new CRC32C();
        OutputStream checked = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                crc.update(b);
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                crc.update(b, off, len);
                out.write(b, off, len);
            }
        };
        writeContent(checked, kind, k, d, dtype, arrays);
        ByteBuffer trailer = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, (int) crc.getValue());
        out.write(trailer.array());
    }

    private static void writeContent(OutputStream out, String kind, int k, int d, DType dtype, Map<String, Object> arrays)
            throws IOException {
        ByteBuffer b = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        byte[] kindBytes = kind.getBytes(StandardCharsets.UTF_8);
        b.put(MAGIC).putInt(VERSION).putInt(kindBytes.length).put(kindBytes).putInt(k).putInt(d)
                .putInt(dtype == DType.FLOAT32 ? 0 : 1).putInt(arrays.size());
        for (Map.Entry<String, Object> e : arrays.entrySet()) {
            byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
            b = ensure(out, b, 4 + name.length + 12);
            b.putInt(name.length).put(name);
            Object v = e.getValue();
            if (v instanceof double[] a) {
                b.putInt(0).putLong(a.length);
                for (double x : a) {
                    b = ensure(out, b, 8);
                    b.putDouble(x);
                }
            } else if (v instanceof long[] a) {
                b.putInt(1).putLong(a.length);
                for (long x : a) {
                    b = ensure(out, b, 8);
                    b.putLong(x);
                }
            } else {
                throw new IllegalArgumentException("unsupported array type for " + e.getKey());
            }
        }
        out.write(b.array(), 0, b.position());
    }

    private static ByteBuffer ensure(OutputStream out, ByteBuffer b, int need) throws IOException {
        if (b.remaining() >= need) {
            return b;
        }
        out.write(b.array(), 0, b.position());
        b.clear();
        return b;
    }

    /**
     * Reads a state and checks it is a {@code kind} of the expected K, D and dtype.
     *
     * @throws IOException naming the file and the mismatch (other kind, K, D, dtype or version,
     *                     not a saved accumulator, truncated)
     */
    static State read(Path file, String kind, int k, int d, DType dtype) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), CHUNK)) {
            State s = read(in, file.toString(), kind, k, d, dtype);
            long extra = in.skip(Long.MAX_VALUE);
            if (extra > 0) {
                throw bad(file.toString(), "" + extra + " bytes after the saved " + kind + " (corrupt file?)");
            }
            return s;
        }
    }

    /** Reads a state from a byte array; see {@link #read(Path, String, int, int, DType)}. */
    static State read(byte[] bytes, String kind, int k, int d, DType dtype) throws IOException {
        return read(new ByteArrayInputStream(bytes), BYTES, kind, k, d, dtype);
    }

    /**
     * Reads one state from {@code in}, named {@code source} in messages, leaving the stream just
     * after it (not closed).
     */
    static State read(InputStream in, String source, String kind, int k, int d, DType dtype) throws IOException {
        State s = read(in, source);
        if (!s.kind().equals(kind)) {
            throw bad(source, "holds a " + s.kind() + ", not a " + kind);
        }
        if (s.k() != k || s.d() != d || s.dtype() != dtype) {
            throw bad(source, "holds a " + kind + " of K = " + s.k() + ", D = " + s.d() + ", " + s.dtype()
                    + "; expected K = " + k + ", D = " + d + ", " + dtype);
        }
        return s;
    }

    static State read(InputStream in, String source) throws IOException {
        Reader r = new Reader(in, source);
        byte[] magic = r.bytes(8);
        if (!Arrays.equals(magic, MAGIC)) {
            throw bad(source, "not a saved ncj accumulator (bad magic)");
        }
        int version = r.int32();
        if (version != VERSION && version != VERSION_1) {
            throw bad(source, "saved with format version " + version + ", this build reads versions "
                    + VERSION_1 + " and " + VERSION);
        }
        String kind = r.string();
        int k = r.int32();
        int d = r.int32();
        int dt = r.int32();
        if (dt != 0 && dt != 1) {
            throw bad(source, "unknown dtype code " + dt);
        }
        if (k < 1 || d < 1) {
            throw bad(source, "impossible shape K = " + k + ", D = " + d + " (corrupt file?)");
        }
        int count = r.int32();
        if (count < 0) {
            throw bad(source, "negative array count " + count + " (corrupt file?)");
        }
        Map<String, Object> arrays = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            String name = r.string();
            if (arrays.containsKey(name)) {
                throw bad(source, "array '" + name + "' appears twice (corrupt file?)");
            }
            int type = r.int32();
            long len = r.int64();
            // No product of a length: compared directly, so no overflow can wrap it into range.
            if (len < 0 || len > Integer.MAX_VALUE - 8) {
                throw bad(source, "array '" + name + "' claims " + len
                        + " values, more than an array can hold (corrupt length)");
            }
            if (type == 0) {
                arrays.put(name, r.doubles(name, (int) len));
            } else if (type == 1) {
                arrays.put(name, r.longs(name, (int) len));
            } else {
                throw bad(source, "array '" + name + "' has unknown type " + type);
            }
        }
        if (version != VERSION_1) {
            int computed = (int) r.checksum();
            int stored = r.int32();
            if (stored != computed) {
                throw bad(source, "checksum mismatch (stored " + Integer.toHexString(stored) + ", content "
                        + Integer.toHexString(computed) + "): the saved state is corrupt");
            }
        }
        return new State(source, kind, k, d, dt == 0 ? DType.FLOAT32 : DType.FLOAT64, arrays);
    }

    /**
     * Little-endian reads from a stream. Arrays grow as their bytes arrive, so a corrupt length
     * ends in "truncated" after reading what is there, never in a giant allocation.
     */
    private static final class Reader {
        private final InputStream in;
        private final String source;
        private final byte[] buf = new byte[CHUNK];
        private final ByteBuffer view = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
        private final CRC32C crc = new CRC32C();
        private long position;

        Reader(InputStream in, String source) {
            this.in = in;
            this.source = source;
        }

        private void fill(int n, String what) throws IOException {
            int got = in.readNBytes(buf, 0, n);
            crc.update(buf, 0, got);
            position += got;
            if (got < n) {
                throw bad(source, "truncated saved accumulator (ends at byte " + position + " inside " + what + ")");
            }
        }

        /** CRC32C of every byte read so far. */
        long checksum() {
            return crc.getValue();
        }

        byte[] bytes(int n) throws IOException {
            fill(n, "the header");
            return Arrays.copyOf(buf, n);
        }

        int int32() throws IOException {
            fill(4, "the header");
            return view.getInt(0);
        }

        long int64() throws IOException {
            fill(8, "the header");
            return view.getLong(0);
        }

        String string() throws IOException {
            int len = int32();
            if (len < 0 || len > MAX_NAME) {
                throw bad(source, "corrupt string length " + len + " (names have at most " + MAX_NAME + " bytes)");
            }
            fill(len, "the header");
            return new String(buf, 0, len, StandardCharsets.UTF_8);
        }

        double[] doubles(String name, int len) throws IOException {
            double[] a = new double[Math.min(len, CHUNK)];
            for (int off = 0; off < len; ) {
                int n = Math.min(len - off, CHUNK / 8);
                fill(8 * n, "array '" + name + "'");
                if (off + n > a.length) {
                    a = Arrays.copyOf(a, (int) Math.min(len, 2L * a.length + n));
                }
                view.clear();
                view.asDoubleBuffer().get(a, off, n);
                off += n;
            }
            return a;
        }

        long[] longs(String name, int len) throws IOException {
            long[] a = new long[Math.min(len, CHUNK)];
            for (int off = 0; off < len; ) {
                int n = Math.min(len - off, CHUNK / 8);
                fill(8 * n, "array '" + name + "'");
                if (off + n > a.length) {
                    a = Arrays.copyOf(a, (int) Math.min(len, 2L * a.length + n));
                }
                view.clear();
                view.asLongBuffer().get(a, off, n);
                off += n;
            }
            return a;
        }
    }

    /**
     * An error naming {@code source}; the problem may quote the file (names, kinds), so it is
     * escaped and capped like every message about bad input ({@link Messages#clean}).
     */
    static IOException bad(String source, String problem) {
        return new IOException(Messages.clean(source) + ": " + Messages.clean(problem));
    }

    /** The means a second-pass accumulator was built with, as saved arrays. */
    static void putMeans(Map<String, Object> arrays, Means m) {
        arrays.put("means", m.meansView());
        arrays.put("mean_counts", m.counts());
    }

    /** Checks that a saved second-pass state was built with {@code m}. */
    static void checkMeans(State s, Means m) throws IOException {
        double[] saved = s.doubles("means");
        long[] counts = s.longs("mean_counts");
        if (!Arrays.equals(counts, m.counts()) || !Arrays.equals(saved, m.meansView())) {
            throw bad(s.source(), "the saved " + s.kind() + " was accumulated about other class means than the ones given");
        }
    }
}
