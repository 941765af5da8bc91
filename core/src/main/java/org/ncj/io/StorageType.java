package org.ncj.io;

import java.util.Locale;

/**
 * How the elements of a stored array are encoded: the types {@link Npy} and {@link Safetensors}
 * read. Not the working precision of a computation, which is {@link org.ncj.DType}.
 *
 * <p>Floating-point types are read as {@code float} or {@code double}; integer types (and
 * {@code bool}) are read as {@code int}, with an error where a value does not fit.
 */
public enum StorageType {
    F16(2, true, "f2", "F16"),
    BF16(2, true, null, "BF16"),
    F32(4, true, "f4", "F32"),
    F64(8, true, "f8", "F64"),
    BOOL(1, false, "b1", "BOOL"),
    I8(1, false, "i1", "I8"),
    U8(1, false, "u1", "U8"),
    I16(2, false, "i2", "I16"),
    U16(2, false, "u2", "U16"),
    I32(4, false, "i4", "I32"),
    U32(4, false, "u4", "U32"),
    I64(8, false, "i8", "I64"),
    U64(8, false, "u8", "U64");

    private final int bytes;
    private final boolean floating;
    private final String npyCode;
    private final String safetensorsName;

    StorageType(int bytes, boolean floating, String npyCode, String safetensorsName) {
        this.bytes = bytes;
        this.floating = floating;
        this.npyCode = npyCode;
        this.safetensorsName = safetensorsName;
    }

    /** Size of one element in bytes. */
    public int bytes() {
        return bytes;
    }

    /** True for F16, BF16, F32, F64; false for the integer types and BOOL. */
    public boolean isFloat() {
        return floating;
    }

    /** The NumPy type code without byte order ({@code "f4"}), or null where NumPy has none (BF16). */
    public String npyCode() {
        return npyCode;
    }

    /** The safetensors dtype name ({@code "F32"}). */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** Lower-case NumPy-style name for messages: {@code float32}, {@code int64}, {@code bfloat16}. */
    public String displayName() {
        return switch (this) {
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            case F32 -> "float32";
            case F64 -> "float64";
            case BOOL -> "bool";
            default -> name().toLowerCase(Locale.ROOT).replace("i", "int").replace("u", "uint");
        };
    }

    /** The type for a NumPy code without byte order ({@code "f4"}), or null. */
    static StorageType fromNpyCode(String code) {
        for (StorageType t : values()) {
            if (code.equals(t.npyCode)) {
                return t;
            }
        }
        return null;
    }

    /** The type for a safetensors dtype name ({@code "F32"}), or null. */
    static StorageType fromSafetensorsName(String name) {
        for (StorageType t : values()) {
            if (name.equals(t.safetensorsName)) {
                return t;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return displayName();
    }
}
