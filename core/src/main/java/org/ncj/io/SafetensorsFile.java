package org.ncj.io;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** A memory-mapped {@code .safetensors} file. Closing it unmaps every tensor view taken from it. */
public final class SafetensorsFile implements AutoCloseable {

    private final Path file;
    private final Safetensors.Header header;
    private final MemorySegment buffer;
    private final Arena arena;

    SafetensorsFile(Path file, Safetensors.Header header, MemorySegment buffer, Arena arena) {
        this.file = file;
        this.header = header;
        this.buffer = buffer;
        this.arena = arena;
    }

    public Path file() {
        return file;
    }

    /** Tensor names in header order. */
    public List<String> names() {
        return List.copyOf(header.tensors().keySet());
    }

    /** The header entry for {@code name}; a missing tensor is an error listing those present. */
    public Safetensors.TensorInfo info(String name) throws BadInputException {
        return Safetensors.lookup(file, header, name);
    }

    /** Size of the data buffer after the header, in bytes. */
    long bufferSize() {
        return header.bufferSize();
    }

    /** The {@code __metadata__} map (empty if absent). */
    public Map<String, String> metadata() {
        return header.metadata();
    }

    /** A view of one tensor, valid until this file is closed. */
    public SafetensorsTensor tensor(String name) throws BadInputException {
        Safetensors.TensorInfo t = Safetensors.lookup(file, header, name);
        StorageType type = Safetensors.checkReadable(file, t);
        MemorySegment seg = t.end() == t.begin() ? MemorySegment.NULL : buffer.asSlice(t.begin(), t.end() - t.begin());
        return new SafetensorsTensor(file, name, seg, type, t.shape(), null);
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
