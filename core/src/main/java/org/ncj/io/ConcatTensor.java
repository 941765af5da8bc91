package org.ncj.io;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/** Shards concatenated along rows. All shards have the same column count and dtype kind (float or integer). */
public final class ConcatTensor implements Tensor2D {

    private final Tensor2D[] parts;
    private final long[] starts; // starts[k] = first global row of part k; starts[n] = rows
    private final int cols;
    private final StorageType dtype;
    private final int rank;
    private final String name;

    /**
     * @throws BadInputException naming the first shard that disagrees with the first shard
     */
    public ConcatTensor(List<? extends Tensor2D> shards) throws BadInputException {
        if (shards.isEmpty()) {
            throw new IllegalArgumentException("no shards");
        }
        this.parts = shards.toArray(new Tensor2D[0]);
        Tensor2D first = parts[0];
        this.cols = first.cols();
        this.starts = new long[parts.length + 1];
        StorageType widest = first.dtype();
        int r = 1;
        for (int k = 0; k < parts.length; k++) {
            Tensor2D p = parts[k];
            if (p.cols() != cols) {
                throw new BadInputException(p.name(), "shard has " + p.cols() + " columns but " + first.name()
                        + " has " + cols + "; all shards must agree");
            }
            if (p.dtype().isFloat() != first.dtype().isFloat()) {
                throw new BadInputException(p.name(), "shard holds " + p.dtype() + " but " + first.name() + " holds "
                        + first.dtype() + "; all shards must be floating-point or all integer");
            }
            if (p.dtype().bytes() > widest.bytes()) {
                widest = p.dtype();
            }
            r = Math.max(r, p.rank());
            starts[k + 1] = Math.addExact(starts[k], p.rows());
        }
        this.dtype = widest;
        this.rank = r;
        this.name = parts.length == 1 ? first.name()
                : first.name() + " ... " + parts[parts.length - 1].name() + " (" + parts.length + " shards)";
    }

    /** The shards, in order. */
    public List<Tensor2D> shards() {
        return List.of(parts);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long rows() {
        return starts[parts.length];
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public StorageType dtype() {
        return dtype;
    }

    @FunctionalInterface
    private interface PartReader {
        void read(Tensor2D part, long r0, long r1, int off) throws IOException;
    }

    private void forEachPart(long r0, long r1, int dstLength, int off, PartReader reader) throws IOException {
        int n = elementCount(r0, r1);
        java.util.Objects.checkFromIndexSize(off, n, dstLength);
        int k = Arrays.binarySearch(starts, r0);
        k = k >= 0 ? k : -k - 2;
        long row = r0;
        while (row < r1) {
            while (starts[k + 1] <= row) {
                k++; // skip empty shards
            }
            long end = Math.min(r1, starts[k + 1]);
            reader.read(parts[k], row - starts[k], end - starts[k], off + (int) ((row - r0) * cols));
            row = end;
        }
    }

    @Override
    public void readFloats(long r0, long r1, float[] dst, int off) throws IOException {
        forEachPart(r0, r1, dst.length, off, (p, a, b, o) -> p.readFloats(a, b, dst, o));
    }

    @Override
    public void readDoubles(long r0, long r1, double[] dst, int off) throws IOException {
        forEachPart(r0, r1, dst.length, off, (p, a, b, o) -> p.readDoubles(a, b, dst, o));
    }

    @Override
    public void readInts(long r0, long r1, int[] dst, int off) throws IOException {
        forEachPart(r0, r1, dst.length, off, (p, a, b, o) -> p.readInts(a, b, dst, o));
    }

    @Override
    public void close() throws IOException {
        Sources.closeAll(List.of(parts));
    }

    @Override
    public String toString() {
        return "ConcatTensor[" + name + ", " + rows() + " x " + cols + ", " + dtype + "]";
    }
}
