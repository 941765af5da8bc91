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

import org.ncj.DType;

/**
 * The saved state of an accumulator: a small header and named raw arrays, all little-endian.
 *
 * <pre>
 * magic    8 bytes  "NCJACCUM"
 * version  int32    1
 * kind     int32 length + UTF-8 (e.g. "MeanAccumulator")
 * K, D     int32, int32
 * dtype    int32    0 = float32, 1 = float64
 * arrays   int32 count, then per array:
 *          int32 length + UTF-8 name, int32 type (0 = float64, 1 = int64), int64 length, the values
 * </pre>
 *
 * The same bytes go to a file ({@code save(Path)}: written to a temporary sibling and renamed,
 * so a crash never leaves half a state), to a stream ({@code save(OutputStream)}) or to an array
 * ({@code toBytes()}), for exchanging state between processes without temporary files; reading
 * back applies the same checks whatever the source.
 */
public final class AccumulatorFiles {
    static final byte[] MAGIC = "NCJACCUM".getBytes(StandardCharsets.US_ASCII);
    /** The format version this build writes and reads. */
    public static final int VERSION = 1;
    /** Name used in messages for state read from a byte array. */
    static final String BYTES = "accumulator bytes";
    /** Name used in messages for state read from a stream. */
    static final String STREAM = "accumulator stream";
    private static final int CHUNK = 1 << 16;

    private AccumulatorFiles() {
    }

    /** A state read back from a file, stream or byte array named {@code source} in messages. */
    record State(String source, String kind, int k, int d, DType dtype, Map<String, Object> arrays) {
        double[] doubles(String name) throws IOException {
            Object o = arrays.get(name);
            if (!(o instanceof double[] a)) {
                throw new IOException(source + ": no float64 array '" + name + "' in the saved " + kind);
            }
            return a;
        }

        long[] longs(String name) throws IOException {
            Object o = arrays.get(name);
            if (!(o instanceof long[] a)) {
                throw new IOException(source + ": no int64 array '" + name + "' in the saved " + kind);
            }
            return a;
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
            return read(in, file.toString(), kind, k, d, dtype);
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
            throw new IOException(source + ": holds a " + s.kind() + ", not a " + kind);
        }
        if (s.k() != k || s.d() != d || s.dtype() != dtype) {
            throw new IOException(source + ": holds a " + kind + " of K = " + s.k() + ", D = " + s.d() + ", " + s.dtype()
                    + "; expected K = " + k + ", D = " + d + ", " + dtype);
        }
        return s;
    }

    static State read(InputStream in, String source) throws IOException {
        Reader r = new Reader(in, source);
        byte[] magic = r.bytes(8);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new IOException(source + ": not a saved ncj accumulator (bad magic)");
        }
        int version = r.int32();
        if (version != VERSION) {
            throw new IOException(source + ": saved with format version " + version + ", this build reads version " + VERSION);
        }
        String kind = r.string();
        int k = r.int32();
        int d = r.int32();
        int dt = r.int32();
        if (dt != 0 && dt != 1) {
            throw new IOException(source + ": unknown dtype code " + dt);
        }
        int count = r.int32();
        Map<String, Object> arrays = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            String name = r.string();
            int type = r.int32();
            long len = r.int64();
            if (len < 0 || len > Integer.MAX_VALUE - 8) {
                throw new IOException(source + ": array '" + name + "' claims " + len + " values (corrupt length)");
            }
            if (type == 0) {
                arrays.put(name, r.doubles(name, (int) len));
            } else if (type == 1) {
                arrays.put(name, r.longs(name, (int) len));
            } else {
                throw new IOException(source + ": array '" + name + "' has unknown type " + type);
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
        private long position;

        Reader(InputStream in, String source) {
            this.in = in;
            this.source = source;
        }

        private void fill(int n, String what) throws IOException {
            int got = in.readNBytes(buf, 0, n);
            position += got;
            if (got < n) {
                throw new IOException(source + ": truncated saved accumulator (ends at byte " + position + " inside " + what + ")");
            }
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
            if (len < 0 || len > 4096) {
                throw new IOException(source + ": corrupt string length " + len);
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
            throw new IOException(s.source() + ": the saved " + s.kind() + " was accumulated about other class means than the ones given");
        }
    }
}
