package org.ncj.io;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * A memory-mapped {@code .npy} array of rank 1 or 2, C or Fortran order (row ranges of a
 * Fortran-order matrix are gathered column by column). Obtain one from {@link Npy#open(Path)}.
 */
public final class NpyArray extends MappedTensor {

    private final int majorVersion;
    private final int minorVersion;
    private final long dataOffset;

    NpyArray(Path file, MemorySegment data, StorageType dtype, ByteOrder order, long[] shape, boolean fortranOrder,
             Arena arena, int majorVersion, int minorVersion, long dataOffset) throws BadInputException {
        super(file, file.toString(), data, dtype, order, shape, fortranOrder, arena);
        this.majorVersion = majorVersion;
        this.minorVersion = minorVersion;
        this.dataOffset = dataOffset;
    }

    /** Format version: {@code "1.0"}, {@code "2.0"} or {@code "3.0"}. */
    public String version() {
        return majorVersion + "." + minorVersion;
    }

    /** Byte offset of the first element in the file (the header length). */
    public long dataOffset() {
        return dataOffset;
    }
}
