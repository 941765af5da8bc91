package org.ncj.accumulate;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
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
 * Files are written to a temporary sibling and renamed, so a crash never leaves half a state.
 */
public final class AccumulatorFiles {
    static final byte[] MAGIC = "NCJACCUM".getBytes(StandardCharsets.US_ASCII);
    /** The format version this build writes and reads. */
    public static final int VERSION = 1;

    private AccumulatorFiles() {
    }

    /** A state read back from a file. */
    record State(String kind, int k, int d, DType dtype, Map<String, Object> arrays) {
        double[] doubles(Path file, String name) throws IOException {
            Object o = arrays.get(name);
            if (!(o instanceof double[] a)) {
                throw new IOException(file + ": no float64 array '" + name + "' in the saved " + kind);
            }
            return a;
        }

        long[] longs(Path file, String name) throws IOException {
            Object o = arrays.get(name);
            if (!(o instanceof long[] a)) {
                throw new IOException(file + ": no int64 array '" + name + "' in the saved " + kind);
            }
            return a;
        }
    }

    static void write(Path file, String kind, int k, int d, DType dtype, Map<String, Object> arrays) throws IOException {
        byte[] kindBytes = kind.getBytes(StandardCharsets.UTF_8);
        long size = 8 + 4 + 4 + kindBytes.length + 12 + 4;
        for (Map.Entry<String, Object> e : arrays.entrySet()) {
            size += 4 + e.getKey().getBytes(StandardCharsets.UTF_8).length + 4 + 8 + 8L * length(e.getValue());
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp" + ProcessHandle.current().pid());
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate((int) Math.min(size, 1 << 20)).order(ByteOrder.LITTLE_ENDIAN);
            b.put(MAGIC).putInt(VERSION).putInt(kindBytes.length).put(kindBytes).putInt(k).putInt(d)
                    .putInt(dtype == DType.FLOAT32 ? 0 : 1).putInt(arrays.size());
            for (Map.Entry<String, Object> e : arrays.entrySet()) {
                byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
                b = ensure(ch, b, 4 + name.length + 12);
                b.putInt(name.length).put(name);
                Object v = e.getValue();
                if (v instanceof double[] a) {
                    b.putInt(0).putLong(a.length);
                    for (double x : a) {
                        b = ensure(ch, b, 8);
                        b.putDouble(x);
                    }
                } else if (v instanceof long[] a) {
                    b.putInt(1).putLong(a.length);
                    for (long x : a) {
                        b = ensure(ch, b, 8);
                        b.putLong(x);
                    }
                } else {
                    throw new IllegalArgumentException("unsupported array type for " + e.getKey());
                }
            }
            b.flip();
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static ByteBuffer ensure(FileChannel ch, ByteBuffer b, int need) throws IOException {
        if (b.remaining() >= need) {
            return b;
        }
        b.flip();
        while (b.hasRemaining()) {
            ch.write(b);
        }
        b.clear();
        return b;
    }

    private static long length(Object v) {
        return v instanceof double[] a ? a.length : ((long[]) v).length;
    }

    /**
     * Reads a state and checks it is a {@code kind} of the expected K, D and dtype.
     *
     * @throws IOException naming the file and the mismatch (other kind, K, D, dtype or version,
     *                     not a saved accumulator, truncated)
     */
    static State read(Path file, String kind, int k, int d, DType dtype) throws IOException {
        State s = read(file);
        if (!s.kind().equals(kind)) {
            throw new IOException(file + ": holds a " + s.kind() + ", not a " + kind);
        }
        if (s.k() != k || s.d() != d || s.dtype() != dtype) {
            throw new IOException(file + ": holds a " + kind + " of K = " + s.k() + ", D = " + s.d() + ", " + s.dtype()
                    + "; expected K = " + k + ", D = " + d + ", " + dtype);
        }
        return s;
    }

    static State read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        try {
            byte[] magic = new byte[8];
            b.get(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw new IOException(file + ": not a saved ncj accumulator (bad magic)");
            }
            int version = b.getInt();
            if (version != VERSION) {
                throw new IOException(file + ": saved with format version " + version + ", this build reads version " + VERSION);
            }
            String kind = string(b);
            int k = b.getInt();
            int d = b.getInt();
            int dt = b.getInt();
            if (dt != 0 && dt != 1) {
                throw new IOException(file + ": unknown dtype code " + dt);
            }
            int count = b.getInt();
            Map<String, Object> arrays = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                String name = string(b);
                int type = b.getInt();
                long len = b.getLong();
                if (len < 0 || len * 8 > b.remaining()) {
                    throw new IOException(file + ": array '" + name + "' of " + len + " values runs past the end of the file (truncated?)");
                }
                if (type == 0) {
                    double[] a = new double[(int) len];
                    b.asDoubleBuffer().get(a);
                    arrays.put(name, a);
                } else if (type == 1) {
                    long[] a = new long[(int) len];
                    b.asLongBuffer().get(a);
                    arrays.put(name, a);
                } else {
                    throw new IOException(file + ": array '" + name + "' has unknown type " + type);
                }
                b.position(b.position() + (int) (8 * len));
            }
            return new State(kind, k, d, dt == 0 ? DType.FLOAT32 : DType.FLOAT64, arrays);
        } catch (java.nio.BufferUnderflowException e) {
            throw new IOException(file + ": truncated saved accumulator", e);
        }
    }

    private static String string(ByteBuffer b) throws IOException {
        int len = b.getInt();
        if (len < 0 || len > b.remaining() || len > 4096) {
            throw new IOException("corrupt string length " + len);
        }
        byte[] s = new byte[len];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    /** The means a second-pass accumulator was built with, as saved arrays. */
    static void putMeans(Map<String, Object> arrays, Means m) {
        arrays.put("means", m.meansView());
        arrays.put("mean_counts", m.counts());
    }

    /** Checks that a saved second-pass state was built with {@code m}. */
    static void checkMeans(Path file, State s, Means m) throws IOException {
        double[] saved = s.doubles(file, "means");
        long[] counts = s.longs(file, "mean_counts");
        if (!java.util.Arrays.equals(counts, m.counts()) || !java.util.Arrays.equals(saved, m.meansView())) {
            throw new IOException(file + ": the saved " + s.kind() + " was accumulated about other class means than the ones given");
        }
    }
}
