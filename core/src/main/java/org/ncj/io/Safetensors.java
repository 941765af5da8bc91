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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * {@code .safetensors} files: an 8-byte little-endian header length, a JSON header mapping
 * tensor names to {@code dtype}, {@code shape} and {@code data_offsets} (relative to the byte
 * buffer after the header), an optional {@code __metadata__} string map, then the data.
 *
 * <p>Tensors of dtype F32, F16, BF16, F64, I32, I64 (also I8, U8, I16, U16, U32, U64, BOOL) and
 * rank 1 or 2 are readable; other dtypes may be present in the file but cannot be opened.
 * Every offset is validated against the file size when the header is read.
 */
public final class Safetensors {

    private Safetensors() {
    }

    /** What the header says about one tensor. {@code dtype} is the name as stored (e.g. {@code "F32"}). */
    public record TensorInfo(String name, String dtype, long[] shape, long begin, long end) {
        /** The element type, or null when this library cannot read the dtype. */
        public StorageType elementType() {
            return StorageType.fromSafetensorsName(dtype);
        }
    }

    /** A parsed header: tensors in file order, metadata, and where the byte buffer lies in the file. */
    record Header(Map<String, TensorInfo> tensors, Map<String, String> metadata, long bufferStart, long bufferSize) {
    }

    /** Maps the whole file; tensors obtained from it are views valid until it is closed. */
    public static SafetensorsFile open(Path file) throws IOException {
        try (FileChannel ch = channel(file)) {
            Header h = readHeader(file, ch);
            Arena arena = Arena.ofShared();
            try {
                MemorySegment buf = h.bufferSize() == 0 ? MemorySegment.NULL
                        : ch.map(FileChannel.MapMode.READ_ONLY, h.bufferStart(), h.bufferSize(), arena);
                return new SafetensorsFile(file, h, buf, arena);
            } catch (IOException | RuntimeException e) {
                arena.close();
                throw e;
            }
        }
    }

    /** Maps one tensor; closing it unmaps it. A missing tensor is an error listing the ones present. */
    public static SafetensorsTensor openTensor(Path file, String tensor) throws IOException {
        try (FileChannel ch = channel(file)) {
            Header h = readHeader(file, ch);
            TensorInfo t = lookup(file, h, tensor);
            StorageType type = checkReadable(file, t);
            Arena arena = Arena.ofShared();
            try {
                long len = t.end() - t.begin();
                MemorySegment seg = len == 0 ? MemorySegment.NULL
                        : ch.map(FileChannel.MapMode.READ_ONLY, h.bufferStart() + t.begin(), len, arena);
                return new SafetensorsTensor(file, tensor, seg, type, t.shape(), arena);
            } catch (IOException | RuntimeException e) {
                arena.close();
                throw e;
            }
        }
    }

    /** Names of the tensors in {@code file}, in header order (reads only the header). */
    public static List<String> names(Path file) throws IOException {
        try (FileChannel ch = channel(file)) {
            return List.copyOf(readHeader(file, ch).tensors().keySet());
        }
    }

    private static FileChannel channel(Path file) throws IOException {
        if (java.nio.file.Files.isDirectory(file)) {
            throw new BadInputException(file, "is a directory, not a .safetensors file");
        }
        try {
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new BadInputException(file, "no such file");
        }
    }

    static TensorInfo lookup(Path file, Header h, String tensor) throws BadInputException {
        TensorInfo t = h.tensors().get(tensor);
        if (t == null) {
            StringJoiner present = new StringJoiner(", ");
            int k = 0;
            for (String n : h.tensors().keySet()) {
                if (k++ == 50) {
                    present.add("... " + (h.tensors().size() - 50) + " more");
                    break;
                }
                present.add(n);
            }
            throw new BadInputException(file, "no tensor '" + tensor + "' (present: "
                    + (h.tensors().isEmpty() ? "none" : present.toString()) + ")");
        }
        return t;
    }

    static StorageType checkReadable(Path file, TensorInfo t) throws BadInputException {
        StorageType type = t.elementType();
        String where = file + ":" + t.name();
        if (type == null) {
            throw new BadInputException(where, "unsupported dtype " + t.dtype()
                    + " (supported: F32, F16, BF16, F64, I8, I16, I32, I64, U8, U16, U32, U64, BOOL)");
        }
        if (t.shape().length < 1 || t.shape().length > 2) {
            throw new BadInputException(where, "tensor has rank " + t.shape().length + " (shape "
                    + MappedTensor.shapeString(t.shape()) + "); expected rank 2 (rows, cols) or rank 1 (a column)");
        }
        return type;
    }

    /** The largest header read, as in the format's reference implementation (100 MB). */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    static Header readHeader(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new BadInputException(file, "not a safetensors file: " + size + " bytes, shorter than the 8-byte header length");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        Npy.readFully(ch, lenBuf, 0);
        long n = lenBuf.getLong(0);
        if (n < 2 || n > size - 8) {
            throw new BadInputException(file, "not a safetensors file or truncated: header length "
                    + Long.toUnsignedString(n) + " does not fit the file's " + size + " bytes");
        }
        if (n > MAX_HEADER_BYTES) {
            throw new BadInputException(file, "safetensors header of " + n + " bytes is larger than the format's limit of "
                    + MAX_HEADER_BYTES);
        }
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        Npy.readFully(ch, hb, 8);
        if (hb.get(0) != '{') {
            throw new BadInputException(file, "not a safetensors file: the header does not start with '{'");
        }
        String text = new String(hb.array(), StandardCharsets.UTF_8);
        Object json;
        try {
            json = Json.parse(text);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file, "malformed safetensors header JSON: " + e.getMessage());
        }
        if (!(json instanceof Map<?, ?> top)) {
            throw new BadInputException(file, "malformed safetensors header: not a JSON object");
        }
        long bufferStart = 8 + n;
        long bufferSize = size - bufferStart;
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : top.entrySet()) {
            String name = (String) e.getKey();
            if (name.equals("__metadata__")) {
                if (!(e.getValue() instanceof Map<?, ?> md)) {
                    throw new BadInputException(file, "malformed safetensors header: __metadata__ is not an object");
                }
                for (Map.Entry<?, ?> m : md.entrySet()) {
                    if (!(m.getValue() instanceof String v)) {
                        throw new BadInputException(file, "malformed safetensors header: __metadata__ entry '" + m.getKey()
                                + "' is not a string");
                    }
                    metadata.put((String) m.getKey(), v);
                }
                continue;
            }
            String where = "tensor '" + name + "'";
            if (!(e.getValue() instanceof Map<?, ?> info)) {
                throw new BadInputException(file, "malformed safetensors header: " + where + " is not an object");
            }
            if (!(info.get("dtype") instanceof String dtype)) {
                throw new BadInputException(file, "malformed safetensors header: " + where + " has no string dtype");
            }
            long[] shape = longs(file, where, "shape", info.get("shape"), -1);
            long[] offsets = longs(file, where, "data_offsets", info.get("data_offsets"), 2);
            long begin = offsets[0];
            long end = offsets[1];
            if (begin > end || end > bufferSize) {
                throw new BadInputException(file, where + " has data_offsets [" + begin + ", " + end
                        + "] out of bounds of the " + bufferSize + "-byte data buffer (file truncated or header corrupt)");
            }
            int bits = elementBits(dtype);
            if (bits < 0) {
                throw new BadInputException(file, where + " has unknown dtype '" + dtype + "'");
            }
            long need = byteLength(file, name, shape, dtype, bits);
            if (end - begin != need) {
                throw new BadInputException(file, where + " has data_offsets [" + begin + ", " + end + "] spanning "
                        + (end - begin) + " bytes, but " + dtype + " " + MappedTensor.shapeString(shape)
                        + " needs " + need);
            }
            tensors.put(name, new TensorInfo(name, dtype, shape, begin, end));
        }
        checkLayout(file, tensors.values(), bufferSize);
        return new Header(Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata), bufferStart, bufferSize);
    }

    /**
     * As the format's reference implementation validates: the tensors, in the order of their
     * offsets, follow one another without overlap or hole and cover the data buffer exactly.
     */
    private static void checkLayout(Path file, java.util.Collection<TensorInfo> tensors, long bufferSize)
            throws BadInputException {
        List<TensorInfo> byOffset = new java.util.ArrayList<>(tensors);
        byOffset.sort(java.util.Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long expected = 0;
        TensorInfo previous = null;
        for (TensorInfo t : byOffset) {
            if (t.begin() != expected) {
                String prev = previous == null ? "the data buffer starts at 0" : "tensor '" + previous.name() + "' ends at " + expected;
                throw new BadInputException(file, "tensor '" + t.name() + "' has data_offsets [" + t.begin() + ", " + t.end()
                        + "] but " + prev + ": tensors must follow one another without "
                        + (t.begin() < expected ? "overlap" : "gaps"));
            }
            expected = t.end();
            previous = t;
        }
        if (expected != bufferSize) {
            throw new BadInputException(file, "the tensors cover " + expected + " bytes of the " + bufferSize
                    + "-byte data buffer: " + (bufferSize - expected) + " bytes belong to no tensor (header corrupt?)");
        }
    }

    /** Bits per element of a safetensors dtype (readable or not), or -1 for an unknown name. */
    static int elementBits(String dtype) {
        StorageType t = StorageType.fromSafetensorsName(dtype);
        if (t != null) {
            return 8 * t.bytes();
        }
        return switch (dtype) {
            case "F8_E5M2", "F8_E4M3", "F8_E8M0" -> 8;
            case "F6_E2M3", "F6_E3M2" -> 6;
            case "F4" -> 4;
            case "C64" -> 64;
            default -> -1;
        };
    }

    private static long byteLength(Path file, String name, long[] shape, String dtype, int bits) throws BadInputException {
        long elements;
        try {
            elements = 1;
            for (long s : shape) {
                elements = Math.multiplyExact(elements, s);
            }
            long totalBits = Math.multiplyExact(elements, (long) bits);
            if (totalBits % 8 != 0) {
                throw new BadInputException(file, "tensor '" + name + "': " + dtype + " " + MappedTensor.shapeString(shape)
                        + " is not a whole number of bytes");
            }
            return totalBits / 8;
        } catch (ArithmeticException e) {
            throw new BadInputException(file, "tensor '" + name + "': shape " + MappedTensor.shapeString(shape) + " of " + dtype
                    + " overflows a 64-bit byte count");
        }
    }

    private static long[] longs(Path file, String where, String key, Object v, int length) throws BadInputException {
        if (!(v instanceof List<?> l) || (length >= 0 && l.size() != length)) {
            throw new BadInputException(file, "malformed safetensors header: " + where + " has " + key + " " + v
                    + (length >= 0 ? ", expected " + length + " integers" : ", expected a list of integers"));
        }
        long[] a = new long[l.size()];
        for (int k = 0; k < a.length; k++) {
            if (!(l.get(k) instanceof Long x) || x < 0) {
                throw new BadInputException(file, "malformed safetensors header: " + where + " has " + key + " element " + k
                        + " = " + l.get(k) + ", not a non-negative 64-bit integer");
            }
            a[k] = x;
        }
        return a;
    }

    // ------------------------------------------------------------------ writer

    /** Writes a {@code .safetensors} file: tensors in the order added, little-endian, header padded to 8 bytes. */
    public static final class Writer {

        private record Pending(StorageType dtype, long[] shape, byte[] data) {
        }

        private final Map<String, Pending> tensors = new LinkedHashMap<>();
        private final Map<String, String> metadata = new LinkedHashMap<>();

        /** Adds F32 {@code data} with {@code shape} (default: 1-D). */
        public Writer add(String name, float[] data, long... shape) {
            ByteBuffer b = buffer(data.length, 4);
            b.asFloatBuffer().put(data);
            return addRaw(name, StorageType.F32, shape(shape, data.length), b.array());
        }

        /** Adds F64 {@code data}. */
        public Writer add(String name, double[] data, long... shape) {
            ByteBuffer b = buffer(data.length, 8);
            b.asDoubleBuffer().put(data);
            return addRaw(name, StorageType.F64, shape(shape, data.length), b.array());
        }

        /** Adds I32 {@code data}. */
        public Writer add(String name, int[] data, long... shape) {
            ByteBuffer b = buffer(data.length, 4);
            b.asIntBuffer().put(data);
            return addRaw(name, StorageType.I32, shape(shape, data.length), b.array());
        }

        /** Adds I64 {@code data}. */
        public Writer add(String name, long[] data, long... shape) {
            ByteBuffer b = buffer(data.length, 8);
            b.asLongBuffer().put(data);
            return addRaw(name, StorageType.I64, shape(shape, data.length), b.array());
        }

        /** Adds {@code data} rounded to F16. */
        public Writer addF16(String name, float[] data, long... shape) {
            ByteBuffer b = buffer(data.length, 2);
            for (float f : data) {
                b.putShort(Float.floatToFloat16(f));
            }
            return addRaw(name, StorageType.F16, shape(shape, data.length), b.array());
        }

        /** Adds {@code data} rounded to BF16. */
        public Writer addBf16(String name, float[] data, long... shape) {
            ByteBuffer b = buffer(data.length, 2);
            for (float f : data) {
                b.putShort(MappedTensor.floatToBf16(f));
            }
            return addRaw(name, StorageType.BF16, shape(shape, data.length), b.array());
        }

        /** Adds little-endian bytes of any element type. */
        public Writer addRaw(String name, StorageType dtype, long[] shape, byte[] littleEndian) {
            if (name.equals("__metadata__")) {
                throw new IllegalArgumentException("'__metadata__' is reserved");
            }
            long need;
            try {
                need = MappedTensor.byteSize(shape, dtype, name);
            } catch (BadInputException e) {
                throw new IllegalArgumentException(e.getMessage());
            }
            if (need != littleEndian.length) {
                throw new IllegalArgumentException("tensor '" + name + "': " + dtype + " " + MappedTensor.shapeString(shape)
                        + " needs " + need + " bytes, got " + littleEndian.length);
            }
            if (tensors.put(name, new Pending(dtype, shape.clone(), littleEndian)) != null) {
                throw new IllegalArgumentException("tensor '" + name + "' added twice");
            }
            return this;
        }

        /** Adds a {@code __metadata__} entry. */
        public Writer metadata(String key, String value) {
            metadata.put(key, value);
            return this;
        }

        public void write(Path file) throws IOException {
            StringBuilder json = new StringBuilder("{");
            if (!metadata.isEmpty()) {
                json.append("\"__metadata__\":{");
                StringJoiner md = new StringJoiner(",");
                metadata.forEach((k, v) -> md.add(Json.quote(k) + ":" + Json.quote(v)));
                json.append(md).append("}");
            }
            long offset = 0;
            for (Map.Entry<String, Pending> e : tensors.entrySet()) {
                Pending p = e.getValue();
                StringJoiner shape = new StringJoiner(",", "[", "]");
                for (long s : p.shape()) {
                    shape.add(Long.toString(s));
                }
                json.append(json.length() > 1 ? "," : "").append(Json.quote(e.getKey()))
                        .append(":{\"dtype\":\"").append(p.dtype().safetensorsName())
                        .append("\",\"shape\":").append(shape)
                        .append(",\"data_offsets\":[").append(offset).append(',').append(offset + p.data().length).append("]}");
                offset += p.data().length;
            }
            json.append('}');
            while (json.toString().getBytes(StandardCharsets.UTF_8).length % 8 != 0) {
                json.append(' ');
            }
            byte[] h = json.toString().getBytes(StandardCharsets.UTF_8);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                Npy.writeFully(ch, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, h.length));
                Npy.writeFully(ch, ByteBuffer.wrap(h));
                for (Pending p : tensors.values()) {
                    Npy.writeFully(ch, ByteBuffer.wrap(p.data()));
                }
            }
        }

        private static ByteBuffer buffer(int n, int size) {
            return ByteBuffer.allocate(Math.multiplyExact(n, size)).order(ByteOrder.LITTLE_ENDIAN);
        }

        private static long[] shape(long[] shape, int n) {
            return shape.length == 0 ? new long[]{n} : shape;
        }
    }
}
