package org.ncj.analysis;

import java.io.IOException;

import org.ncj.io.BadInputException;
import org.ncj.io.StorageType;
import org.ncj.io.Tensor2D;

/** An in-memory float32 matrix or int32 vector as a {@link Tensor2D} ({@link Analysis.Data#of(String, float[], int, int[])}). */
final class ArrayTensor implements Tensor2D {
    private final String name;
    private final float[] x;
    private final int[] y;
    private final long rows;
    private final int cols;

    private ArrayTensor(String name, float[] x, int[] y, long rows, int cols) {
        this.name = name;
        this.x = x;
        this.y = y;
        this.rows = rows;
        this.cols = cols;
    }

    static ArrayTensor floats(String name, float[] x, int cols) {
        if (cols < 1 || x.length % cols != 0) {
            throw new IllegalArgumentException(name + ": " + x.length + " floats are not rows of D = " + cols);
        }
        return new ArrayTensor(name, x, null, x.length / cols, cols);
    }

    static ArrayTensor ints(String name, int[] y) {
        return new ArrayTensor(name, null, y, y.length, 1);
    }

    @Override
    public String name() {
        return name;
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
        return x != null ? 2 : 1;
    }

    @Override
    public StorageType dtype() {
        return x != null ? StorageType.F32 : StorageType.I32;
    }

    @Override
    public void readFloats(long r0, long r1, float[] dst, int off) throws IOException {
        if (x == null) {
            throw new BadInputException(name, "holds integers, not floats");
        }
        int n = elementCount(r0, r1);
        System.arraycopy(x, (int) (r0 * cols), dst, off, n);
    }

    @Override
    public void readDoubles(long r0, long r1, double[] dst, int off) throws IOException {
        int n = elementCount(r0, r1);
        for (int i = 0; i < n; i++) {
            dst[off + i] = x != null ? x[(int) (r0 * cols) + i] : y[(int) r0 + i];
        }
    }

    @Override
    public void readInts(long r0, long r1, int[] dst, int off) throws IOException {
        if (y == null) {
            throw new BadInputException(name, "holds floats, not integers");
        }
        int n = elementCount(r0, r1);
        System.arraycopy(y, (int) r0, dst, off, n);
    }

    @Override
    public void close() {
    }
}
