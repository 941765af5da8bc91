package org.ncj.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.IntFunction;

/**
 * A memory-mapped array of rank 1 or 2: the data region of a {@code .npy} file or of one
 * safetensors tensor. Offsets are {@code long} throughout; mappings use
 * {@link java.nio.channels.FileChannel#map(java.nio.channels.FileChannel.MapMode, long, long, Arena)}
 * and so are not limited to 2 GB.
 */
public abstract sealed class MappedTensor implements Tensor2D permits NpyArray, SafetensorsTensor {

    private final Path file;
    private final String name;
    private final MemorySegment data;
    private final StorageType dtype;
    private final ByteOrder order;
    private final long[] shape;
    private final long rows;
    private final int cols;
    /** Column-major data (a .npy with fortran_order: True): element (r, c) at c * rows + r. */
    private final boolean fortran;
    private final Arena arena;

    /**
     * @param data  exactly {@code product(shape) * dtype.bytes()} bytes
     * @param arena the arena to close with this tensor, or null when someone else owns the mapping
     */
    MappedTensor(Path file, String name, MemorySegment data, StorageType dtype, ByteOrder order, long[] shape,
                 Arena arena) throws BadInputException {
        this(file, name, data, dtype, order, shape, false, arena);
    }

    /** As above; {@code fortran}: the data are column-major. */
    MappedTensor(Path file, String name, MemorySegment data, StorageType dtype, ByteOrder order, long[] shape,
                 boolean fortran, Arena arena) throws BadInputException {
        this.file = file;
        this.fortran = fortran && shape.length == 2 && shape[0] > 1 && shape[1] > 1;
        this.name = name;
        this.data = data;
        this.dtype = dtype;
        this.order = order;
        this.shape = shape.clone();
        this.arena = arena;
        if (shape.length < 1 || shape.length > 2) {
            throw new BadInputException(name, "array has rank " + shape.length + " (shape " + shapeString(shape)
                    + "); expected rank 2 (rows, cols) or rank 1 (a column)");
        }
        this.rows = shape[0];
        long c = shape.length == 2 ? shape[1] : 1;
        if (c > Integer.MAX_VALUE) {
            throw new BadInputException(name, "shape " + shapeString(shape) + " has more than 2^31-1 columns");
        }
        this.cols = (int) c;
        long expected = byteSize(shape, dtype, name);
        if (data.byteSize() != expected) {
            throw new IllegalStateException(name + ": mapped " + data.byteSize() + " bytes for " + expected);
        }
    }

    /** Product of the shape times the element size, with overflow reported as bad input. */
    static long byteSize(long[] shape, StorageType dtype, String name) throws BadInputException {
        try {
            long n = dtype.bytes();
            for (long s : shape) {
                if (s < 0) {
                    throw new BadInputException(name, "shape " + shapeString(shape) + " has a negative dimension");
                }
                n = Math.multiplyExact(n, s);
            }
            return n;
        } catch (ArithmeticException e) {
            throw new BadInputException(name, "shape " + shapeString(shape) + " of " + dtype
                    + " overflows a 64-bit byte count");
        }
    }

    static String shapeString(long[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    /** The file this array is stored in. */
    public Path file() {
        return file;
    }

    @Override
    public String name() {
        return name;
    }

    /** The shape as stored: one or two dimensions. */
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public long rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public int rank() {
        return shape.length;
    }

    @Override
    public StorageType dtype() {
        return dtype;
    }

    /** Byte order of the data on disk. */
    public ByteOrder byteOrder() {
        return order;
    }

    /** Size of the data region in bytes. */
    public long dataBytes() {
        return data.byteSize();
    }

    private void checkDst(int count, int dstLength, int off) {
        Objects.checkFromIndexSize(off, count, dstLength);
    }

    private BadInputException notFloat() {
        return new BadInputException(name, "holds " + dtype + ", not a floating-point type, so it cannot be read as embeddings");
    }

    /** True when the data are column-major (a Fortran-order .npy matrix). */
    public boolean fortranOrder() {
        return fortran;
    }

    /** Decodes {@code n} elements from flat index {@code e0} (in storage order) into {@code dst[off..]}. */
    @FunctionalInterface
    private interface Decoder<A> {
        void decode(long e0, int n, A dst, int off) throws IOException;
    }

    /** Puts {@code m} elements of {@code column} at {@code dst[at]}, {@code dst[at + stride]}, ... */
    @FunctionalInterface
    private interface Scatter<A> {
        void scatter(A column, int m, A dst, int at, int stride);
    }

    // The scatter is the one typed step: a generic one (System.arraycopy per element) measured
    // 1.4-2.8x slower on Fortran-order reads (bench/RESULTS.md, float32/float64 loops).
    @Override
    public void readFloats(long r0, long r1, float[] dst, int off) throws IOException {
        readRows(r0, r1, dst, dst.length, off, float[]::new, this::floats, (col, m, d, at, stride) -> {
            for (int i = 0; i < m; i++) {
                d[at + i * stride] = col[i];
            }
        });
    }

    @Override
    public void readDoubles(long r0, long r1, double[] dst, int off) throws IOException {
        readRows(r0, r1, dst, dst.length, off, double[]::new, this::doubles, (col, m, d, at, stride) -> {
            for (int i = 0; i < m; i++) {
                d[at + i * stride] = col[i];
            }
        });
    }

    @Override
    public void readInts(long r0, long r1, int[] dst, int off) throws IOException {
        readRows(r0, r1, dst, dst.length, off, int[]::new, this::ints, (col, m, d, at, stride) -> {
            for (int i = 0; i < m; i++) {
                d[at + i * stride] = col[i];
            }
        });
    }

    /**
     * Rows [r0, r1) into dst, whatever the element type: row-major data decoded where they lie;
     * column-major data one column at a time (contiguous on disk, so errors name the first bad
     * element in file order), each column then scattered to its place in the rows.
     */
    private <A> void readRows(long r0, long r1, A dst, int dstLength, int off, IntFunction<A> newArray,
                              Decoder<A> decoder, Scatter<A> scatter) throws IOException {
        int n = elementCount(r0, r1);
        checkDst(n, dstLength, off);
        if (!fortran) {
            decoder.decode(r0 * cols, n, dst, off);
            return;
        }
        int m = (int) (r1 - r0);
        A column = newArray.apply(m);
        for (int c = 0; c < cols; c++) {
            decoder.decode(c * rows + r0, m, column, 0);
            scatter.scatter(column, m, dst, off + c, cols);
        }
    }

    /** Reads {@code n} elements as float32 (exact for F32, F16 and BF16; F64 rounded). */
    private void floats(long e0, int n, float[] dst, int off) throws IOException {
        long base = e0 * dtype.bytes();
        switch (dtype) {
            case F32 -> MemorySegment.copy(data, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(order), base, dst, off, n);
            case F64 -> {
                ValueLayout.OfDouble l = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(order);
                for (int i = 0; i < n; i++) {
                    dst[off + i] = (float) data.get(l, base + 8L * i);
                }
            }
            case F16 -> {
                ValueLayout.OfShort l = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order);
                for (int i = 0; i < n; i++) {
                    dst[off + i] = Float.float16ToFloat(data.get(l, base + 2L * i));
                }
            }
            case BF16 -> {
                ValueLayout.OfShort l = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order);
                for (int i = 0; i < n; i++) {
                    dst[off + i] = bf16ToFloat(data.get(l, base + 2L * i));
                }
            }
            default -> throw notFloat();
        }
    }

    /** Float elements narrower than F64 decoded to float32 at a time before widening. */
    private static final int WIDEN_CHUNK = 4096;

    /**
     * Reads {@code n} elements as float64: F64 copied; F32, F16 and BF16, each exactly a float32,
     * decoded by {@link #floats} and widened (exact), so each format has one decoder.
     */
    private void doubles(long e0, int n, double[] dst, int off) throws IOException {
        long base = e0 * dtype.bytes();
        switch (dtype) {
            case F64 -> {
                MemorySegment.copy(data, ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(order), base, dst, off, n);
                return;
            }
            case F32, F16, BF16 -> {
            }
            default -> throw notFloat();
        }
        float[] f = new float[Math.min(n, WIDEN_CHUNK)];
        for (int i = 0; i < n; i += f.length) {
            int m = Math.min(f.length, n - i);
            floats(e0 + i, m, f, 0);
            for (int j = 0; j < m; j++) {
                dst[off + i + j] = f[j];
            }
        }
    }

    private void ints(long e0, int n, int[] dst, int off) throws IOException {
        long base = e0 * dtype.bytes();
        switch (dtype) {
            case I32 -> MemorySegment.copy(data, ValueLayout.JAVA_INT_UNALIGNED.withOrder(order), base, dst, off, n);
            case I8 -> {
                for (int i = 0; i < n; i++) {
                    dst[off + i] = data.get(ValueLayout.JAVA_BYTE, base + i);
                }
            }
            case U8 -> {
                for (int i = 0; i < n; i++) {
                    dst[off + i] = Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, base + i));
                }
            }
            case BOOL -> {
                for (int i = 0; i < n; i++) {
                    byte b = data.get(ValueLayout.JAVA_BYTE, base + i);
                    if (b != 0 && b != 1) {
                        throw badValue(e0 + i, Byte.toUnsignedInt(b), "is not a valid bool (0 or 1)");
                    }
                    dst[off + i] = b;
                }
            }
            case I16 -> {
                ValueLayout.OfShort l = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order);
                for (int i = 0; i < n; i++) {
                    dst[off + i] = data.get(l, base + 2L * i);
                }
            }
            case U16 -> {
                ValueLayout.OfShort l = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order);
                for (int i = 0; i < n; i++) {
                    dst[off + i] = Short.toUnsignedInt(data.get(l, base + 2L * i));
                }
            }
            case U32 -> {
                ValueLayout.OfInt l = ValueLayout.JAVA_INT_UNALIGNED.withOrder(order);
                for (int i = 0; i < n; i++) {
                    int v = data.get(l, base + 4L * i);
                    if (v < 0) {
                        throw badValue(e0 + i, Integer.toUnsignedString(v), "does not fit a signed 32-bit int");
                    }
                    dst[off + i] = v;
                }
            }
            case I64 -> {
                ValueLayout.OfLong l = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(order);
                for (int i = 0; i < n; i++) {
                    long v = data.get(l, base + 8L * i);
                    if (v != (int) v) {
                        throw badValue(e0 + i, v, "does not fit a signed 32-bit int");
                    }
                    dst[off + i] = (int) v;
                }
            }
            case U64 -> {
                ValueLayout.OfLong l = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(order);
                for (int i = 0; i < n; i++) {
                    long v = data.get(l, base + 8L * i);
                    if (v < 0 || v > Integer.MAX_VALUE) {
                        throw badValue(e0 + i, Long.toUnsignedString(v), "does not fit a signed 32-bit int");
                    }
                    dst[off + i] = (int) v;
                }
            }
            default -> throw new BadInputException(name, "holds " + dtype
                    + ", not an integer type, so it cannot be read as labels");
        }
    }

    /** An element at flat index {@code e} (storage order) that is not a valid label. */
    private BadInputException badValue(long e, Object value, String problem) {
        long row = fortran ? e % rows : e / cols;
        long col = fortran ? e / rows : e % cols;
        String where = cols == 1 ? "row " + row : "row " + row + ", column " + col;
        return new BadInputException(name, where + " holds " + dtype + " value " + value + ", which " + problem);
    }

    /** bfloat16 bits to float: the upper half of a float32. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** float to bfloat16 bits, rounding to nearest even (NaN stays NaN). */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    @Override
    public void close() {
        if (arena != null && arena.scope().isAlive()) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + name + ", " + dtype + ", " + shapeString(shape) + ", "
                + (order == ByteOrder.LITTLE_ENDIAN ? "little" : "big") + "-endian" + (fortran ? ", Fortran order" : "") + "]";
    }
}
