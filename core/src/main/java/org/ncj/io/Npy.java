package org.ncj.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * NumPy {@code .npy} files: a memory-mapping reader for format versions 1.0, 2.0 and 3.0, and a
 * little-endian version 1.0 writer.
 *
 * <p>Read: float16/32/64, int8/16/32/64, uint8/16/32/64 and bool, either byte order, C or
 * Fortran order ({@code np.save(f, W.T)}), rank 1 or 2, with the descriptor spellings
 * {@code np.dtype} accepts for these types ({@link #descr}). Everything else is a {@link BadInputException} naming the file and the problem.
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int CHUNK = 1 << 16;
    /** The longest header read: numpy's {@code np.load} refuses longer ones by default too. */
    static final int MAX_HEADER_BYTES = 10_000;
    /** The deepest nesting of the header literal (numpy writes a dict holding a tuple: 2). */
    static final int MAX_DEPTH = 8;

    private Npy() {
    }

    /** Maps {@code file}; the caller closes the array to unmap it. */
    public static NpyArray open(Path file) throws IOException {
        if (java.nio.file.Files.isDirectory(file)) {
            throw new BadInputException(file, "is a directory, not a .npy file");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer pre = ByteBuffer.allocate((int) Math.min(12, size)).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, pre, 0);
            pre.flip();
            if (size < 10 || !hasMagic(pre)) {
                throw new BadInputException(file, "not a .npy file (bad magic: the file does not start with \\x93NUMPY)");
            }
            int major = Byte.toUnsignedInt(pre.get(6));
            int minor = Byte.toUnsignedInt(pre.get(7));
            long headerLen;
            int prefix;
            if (major == 1) {
                headerLen = Short.toUnsignedInt(pre.getShort(8));
                prefix = 10;
            } else if (major == 2 || major == 3) {
                if (size < 12) {
                    throw new BadInputException(file, "truncated .npy preamble (" + size + " bytes)");
                }
                headerLen = Integer.toUnsignedLong(pre.getInt(8));
                prefix = 12;
            } else {
                throw new BadInputException(file, "unsupported .npy format version " + major + "." + minor
                        + " (supported: 1.0, 2.0, 3.0)");
            }
            if (headerLen > MAX_HEADER_BYTES) {
                throw new BadInputException(file, "header of " + headerLen + " bytes is longer than " + MAX_HEADER_BYTES
                        + " (numpy's own limit in np.load)");
            }
            long dataOffset = prefix + headerLen;
            if (dataOffset > size) {
                throw new BadInputException(file, "truncated header: it claims " + headerLen + " bytes but the file has "
                        + (size - prefix) + " after the preamble");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, prefix);
            String header = new String(hb.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
            Header h = parseHeader(file, header);

            long dataBytes = MappedTensor.byteSize(h.shape, h.dtype, file.toString());
            long have = size - dataOffset;
            if (have < dataBytes) {
                throw new BadInputException(file, "truncated: the header says " + h.dtype + " " + MappedTensor.shapeString(h.shape)
                        + ", " + dataBytes + " bytes of data, but the file has only " + have + " after the header");
            }
            if (have > dataBytes) {
                throw new BadInputException(file, "the file has " + (have - dataBytes) + " bytes after the " + dataBytes
                        + " bytes of data that the header describes (" + h.dtype + " " + MappedTensor.shapeString(h.shape) + ")");
            }
            Arena arena = Arena.ofShared();
            try {
                MemorySegment seg = dataBytes == 0 ? MemorySegment.NULL
                        : ch.map(FileChannel.MapMode.READ_ONLY, dataOffset, dataBytes, arena);
                return new NpyArray(file, seg, h.dtype, h.order, h.shape, h.fortran, arena, major, minor, dataOffset);
            } catch (IOException | RuntimeException e) {
                arena.close();
                throw e;
            }
        } catch (NoSuchFileException e) {
            throw new BadInputException(file, "no such file");
        }
    }

    private static boolean hasMagic(ByteBuffer b) {
        for (int i = 0; i < MAGIC.length; i++) {
            if (b.get(i) != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    static void readFully(FileChannel ch, ByteBuffer dst, long pos) throws IOException {
        while (dst.hasRemaining()) {
            int n = ch.read(dst, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += n;
        }
    }

    private record Header(StorageType dtype, ByteOrder order, long[] shape, boolean fortran) {
    }

    /** An element type and byte order, as a descriptor string names them. */
    record Descr(StorageType type, ByteOrder order) {
    }

    /**
     * Reads a descriptor the way {@code np.dtype(descr)} does for the types ncj reads: an optional
     * byte order ({@code <}, {@code >}, {@code =} or {@code |}; none, {@code =} and {@code |} mean
     * the reading machine's order) before a kind and size ({@code f4}, {@code u1}, {@code b1}) or
     * a one-letter code ({@code d}, {@code f}, {@code e}, {@code q}, {@code i}, {@code ?}, ...),
     * or a name ({@code float32}, {@code int64}, {@code double}, ...). Null when unsupported.
     */
    static Descr descr(String descr) {
        StorageType named = switch (descr) {
            case "float16", "half" -> StorageType.F16;
            case "float32", "single" -> StorageType.F32;
            case "float64", "double", "float" -> StorageType.F64;
            case "int8", "byte" -> StorageType.I8;
            case "uint8", "ubyte" -> StorageType.U8;
            case "int16", "short" -> StorageType.I16;
            case "uint16", "ushort" -> StorageType.U16;
            case "int32", "intc" -> StorageType.I32;
            case "uint32", "uintc" -> StorageType.U32;
            case "int64", "longlong", "int" -> StorageType.I64;
            case "uint64", "ulonglong" -> StorageType.U64;
            case "bool" -> StorageType.BOOL;
            default -> null;
        };
        if (named != null) {
            return new Descr(named, ByteOrder.nativeOrder());
        }
        String code = descr;
        ByteOrder order = ByteOrder.nativeOrder();
        if (!code.isEmpty() && "<>=|".indexOf(code.charAt(0)) >= 0) {
            if (code.charAt(0) == '<') {
                order = ByteOrder.LITTLE_ENDIAN;
            } else if (code.charAt(0) == '>') {
                order = ByteOrder.BIG_ENDIAN;
            }
            code = code.substring(1);
        }
        StorageType t = code.length() == 1 ? switch (code.charAt(0)) {
            case '?' -> StorageType.BOOL;
            case 'b' -> StorageType.I8;
            case 'B' -> StorageType.U8;
            case 'h' -> StorageType.I16;
            case 'H' -> StorageType.U16;
            case 'i' -> StorageType.I32;
            case 'I' -> StorageType.U32;
            case 'l', 'q' -> StorageType.I64; // 'l' is C long: 64 bits on the LP64 systems ncj runs on
            case 'L', 'Q' -> StorageType.U64;
            case 'e' -> StorageType.F16;
            case 'f' -> StorageType.F32;
            case 'd' -> StorageType.F64;
            default -> null;
        } : StorageType.fromNpyCode(code);
        return t == null ? null : new Descr(t, order);
    }

    private static Header parseHeader(Path file, String text) throws BadInputException {
        Object parsed;
        try {
            parsed = new PyLiteral(text).parseTop();
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file, "malformed .npy header (" + e.getMessage() + "): " + abbreviate(text));
        }
        if (!(parsed instanceof Map<?, ?> dict)) {
            throw new BadInputException(file, "malformed .npy header (not a dict): " + abbreviate(text));
        }
        if (!dict.keySet().equals(java.util.Set.of("descr", "fortran_order", "shape"))) {
            throw new BadInputException(file, "malformed .npy header: keys " + dict.keySet()
                    + " instead of descr, fortran_order, shape");
        }
        if (!(dict.get("descr") instanceof String descr)) {
            throw new BadInputException(file, "unsupported dtype " + PyLiteral.repr(dict.get("descr"))
                    + " (structured dtypes are not supported)");
        }
        if (!(dict.get("fortran_order") instanceof Boolean fortran)) {
            throw new BadInputException(file, "malformed .npy header: fortran_order is " + PyLiteral.repr(dict.get("fortran_order")));
        }
        if (!(dict.get("shape") instanceof List<?> dims)) {
            throw new BadInputException(file, "malformed .npy header: shape is " + PyLiteral.repr(dict.get("shape")));
        }
        long[] shape = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!(dims.get(i) instanceof Long v) || v < 0) {
                throw new BadInputException(file, "malformed .npy header: shape " + PyLiteral.repr(dims));
            }
            shape[i] = v;
        }
        Descr dt = descr(descr);
        if (dt == null) {
            throw new BadInputException(file, "unsupported dtype '" + descr + "' (supported: float16, float32, float64,"
                    + " int8-int64, uint8-uint64, bool)");
        }
        StorageType type = dt.type();
        ByteOrder order = dt.order();
        if (shape.length < 1 || shape.length > 2) {
            throw new BadInputException(file, "array has rank " + shape.length + " (shape " + MappedTensor.shapeString(shape)
                    + "); expected rank 2 (rows, cols) or rank 1 (a column)");
        }
        return new Header(type, order, shape, fortran && shape.length == 2);
    }

    private static String abbreviate(String s) {
        s = s.strip();
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    // ------------------------------------------------------------------ writer

    @FunctionalInterface
    private interface Filler {
        void fill(ByteBuffer le, int from, int to);
    }

    /** Writes float32 {@code data} with {@code shape} (default: 1-D) as a little-endian v1.0 {@code .npy}. */
    public static void write(Path file, float[] data, long... shape) throws IOException {
        write(file, "<f4", 4, data.length, shape, (b, from, to) -> b.asFloatBuffer().put(data, from, to - from));
    }

    /** Writes float64 {@code data}. */
    public static void write(Path file, double[] data, long... shape) throws IOException {
        write(file, "<f8", 8, data.length, shape, (b, from, to) -> b.asDoubleBuffer().put(data, from, to - from));
    }

    /** Writes int32 {@code data}. */
    public static void write(Path file, int[] data, long... shape) throws IOException {
        write(file, "<i4", 4, data.length, shape, (b, from, to) -> b.asIntBuffer().put(data, from, to - from));
    }

    /** Writes int64 {@code data}. */
    public static void write(Path file, long[] data, long... shape) throws IOException {
        write(file, "<i8", 8, data.length, shape, (b, from, to) -> b.asLongBuffer().put(data, from, to - from));
    }

    private static void write(Path file, String descr, int size, int count, long[] shape, Filler filler) throws IOException {
        if (shape.length == 0) {
            shape = new long[]{count};
        }
        long n = 1;
        for (long s : shape) {
            if (s < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + MappedTensor.shapeString(shape));
            }
            n = Math.multiplyExact(n, s);
        }
        if (n != count) {
            throw new IllegalArgumentException("shape " + MappedTensor.shapeString(shape) + " holds " + n
                    + " elements but the array has " + count);
        }
        byte[] header = header(descr, shape);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, ByteBuffer.wrap(header));
            ByteBuffer buf = ByteBuffer.allocate(CHUNK * size).order(ByteOrder.LITTLE_ENDIAN);
            for (int from = 0; from < count; from += CHUNK) {
                int to = Math.min(count, from + CHUNK);
                buf.clear();
                filler.fill(buf, from, to);
                buf.limit((to - from) * size);
                writeFully(ch, buf);
            }
        }
    }

    static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** The v1.0 preamble and header, padded with spaces and a newline to a multiple of 64 bytes. */
    private static byte[] header(String descr, long[] shape) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + MappedTensor.shapeString(shape) + ", }";
        int unpadded = 10 + dict.length() + 1;
        int total = (unpadded + 63) / 64 * 64;
        int headerLen = total - 10;
        if (headerLen > 0xffff) {
            throw new IllegalArgumentException("shape " + MappedTensor.shapeString(shape) + " needs a header too long for .npy v1.0");
        }
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) headerLen);
        b.put(dict.getBytes(StandardCharsets.ISO_8859_1));
        while (b.position() < total - 1) {
            b.put((byte) ' ');
        }
        b.put((byte) '\n');
        return b.array();
    }

    // ------------------------------------------------------------------ header literal parser

    /**
     * Parses the Python literal subset that {@code .npy} headers use: dicts, tuples, lists,
     * strings, integers, True, False, None.
     */
    static final class PyLiteral {
        private final String s;
        private int i;

        PyLiteral(String s) {
            this.s = s;
        }

        Object parseTop() {
            Object v = value(0);
            ws();
            if (i != s.length()) {
                throw new IllegalArgumentException("unexpected '" + s.charAt(i) + "' at offset " + i);
            }
            return v;
        }

        private void ws() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private IllegalArgumentException err(String what) {
            return new IllegalArgumentException(what + " at offset " + i);
        }

        private Object value(int depth) {
            if (depth > MAX_DEPTH) {
                throw err("nesting deeper than " + MAX_DEPTH);
            }
            ws();
            if (i >= s.length()) {
                throw err("unexpected end");
            }
            char c = s.charAt(i);
            switch (c) {
                case '{' -> {
                    i++;
                    Map<Object, Object> m = new LinkedHashMap<>();
                    while (true) {
                        ws();
                        if (peek('}')) {
                            return m;
                        }
                        Object k = value(depth + 1);
                        ws();
                        expect(':');
                        Object v = value(depth + 1);
                        if (m.put(k, v) != null) {
                            throw err("duplicate key " + repr(k));
                        }
                        ws();
                        if (!peek(',')) {
                            ws();
                            expect('}');
                            return m;
                        }
                    }
                }
                case '(', '[' -> {
                    char close = c == '(' ? ')' : ']';
                    i++;
                    List<Object> l = new ArrayList<>();
                    while (true) {
                        ws();
                        if (peek(close)) {
                            return l;
                        }
                        l.add(value(depth + 1));
                        ws();
                        if (!peek(',')) {
                            ws();
                            expect(close);
                            return l;
                        }
                    }
                }
                case '\'', '"' -> {
                    i++;
                    StringBuilder sb = new StringBuilder();
                    while (true) {
                        if (i >= s.length()) {
                            throw err("unterminated string");
                        }
                        char d = s.charAt(i++);
                        if (d == c) {
                            return sb.toString();
                        }
                        if (d == '\\') {
                            if (i >= s.length()) {
                                throw err("unterminated string");
                            }
                            d = s.charAt(i++);
                        }
                        sb.append(d);
                    }
                }
                default -> {
                    if (c == '-' || Character.isDigit(c)) {
                        int start = i++;
                        while (i < s.length() && Character.isDigit(s.charAt(i))) {
                            i++;
                        }
                        String digits = s.substring(start, i);
                        if (i < s.length() && (s.charAt(i) == 'L' || s.charAt(i) == 'l')) {
                            i++; // Python 2 long suffix
                        }
                        try {
                            return Long.parseLong(digits);
                        } catch (NumberFormatException e) {
                            throw err("bad integer '" + digits + "'");
                        }
                    }
                    for (String word : new String[]{"True", "False", "None"}) {
                        if (s.startsWith(word, i)) {
                            i += word.length();
                            return word.equals("None") ? NONE : word.equals("True");
                        }
                    }
                    throw err("unexpected '" + c + "'");
                }
            }
        }

        private boolean peek(char c) {
            if (i < s.length() && s.charAt(i) == c) {
                i++;
                return true;
            }
            return false;
        }

        private void expect(char c) {
            if (!peek(c)) {
                throw err("expected '" + c + "'");
            }
        }

        static final Object NONE = new Object() {
            @Override
            public String toString() {
                return "None";
            }
        };

        static String repr(Object o) {
            if (o instanceof String str) {
                return "'" + str + "'";
            }
            if (o instanceof Boolean b) {
                return b ? "True" : "False";
            }
            return String.valueOf(o);
        }
    }
}
