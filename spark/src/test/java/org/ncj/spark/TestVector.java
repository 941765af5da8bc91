package org.ncj.spark;

import java.io.Serializable;

/**
 * A vector stored as Spark ML's {@code VectorUDT} stores one (type 0 sparse / 1 dense, size,
 * indices, values), without the 100 MB of spark-mllib on the test class path.
 */
public final class TestVector implements Serializable {
    final byte type;
    final int size;
    final int[] indices;
    final double[] values;

    TestVector(byte type, int size, int[] indices, double[] values) {
        this.type = type;
        this.size = size;
        this.indices = indices;
        this.values = values;
    }

    static TestVector dense(double[] v) {
        return new TestVector((byte) 1, v.length, null, v);
    }

    /** The non-zero entries of {@code v}, in the sparse form. */
    static TestVector sparseOf(double[] v) {
        int nz = 0;
        for (double a : v) {
            nz += a != 0 ? 1 : 0;
        }
        int[] idx = new int[nz];
        double[] val = new double[nz];
        for (int j = 0, m = 0; j < v.length; j++) {
            if (v[j] != 0) {
                idx[m] = j;
                val[m++] = v[j];
            }
        }
        return new TestVector((byte) 0, v.length, idx, val);
    }
}
