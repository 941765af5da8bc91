package org.ncj.io;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * One memory-mapped tensor of rank 1 or 2 in a {@code .safetensors} file, named
 * {@code FILE:TENSOR} in messages. From {@link SafetensorsFile#tensor(String)} (a view the file
 * owns) or {@link Safetensors#openTensor(Path, String)} (owns its own mapping).
 */
public final class SafetensorsTensor extends MappedTensor {

    private final String tensorName;

    SafetensorsTensor(Path file, String tensorName, MemorySegment data, StorageType dtype, long[] shape, Arena arena)
            throws BadInputException {
        super(file, file + ":" + tensorName, data, dtype, ByteOrder.LITTLE_ENDIAN, shape, arena);
        this.tensorName = tensorName;
    }

    /** The tensor's name within its file. */
    public String tensorName() {
        return tensorName;
    }
}
