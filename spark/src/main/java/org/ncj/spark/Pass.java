package org.ncj.spark;

import java.io.IOException;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

import org.apache.spark.TaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.ncj.DType;
import org.ncj.accumulate.ClassFilter;
import org.ncj.accumulate.ClassStatistics;
import org.ncj.accumulate.Classifier;
import org.ncj.accumulate.DecAccumulator;
import org.ncj.accumulate.GlobalMean;
import org.ncj.accumulate.MeanAccumulator;
import org.ncj.accumulate.Means;
import org.ncj.accumulate.WithinClassAccumulator;
import org.ncj.backend.Backend;

/**
 * One pass over a data set: what each partition does with its rows ({@link #partition}) and how
 * two partial states combine ({@link #merge}, run by {@code treeReduce} on executors and, last,
 * on the driver). A partition reads its rows in batches into the accumulators of the single-machine
 * pipeline on its own backend ({@code Backend.auto()} unless told otherwise), which it closes
 * before returning the state as bytes.
 *
 * <p>Rows arrive as Spark's internal rows of two columns (embedding, label) so that a float array
 * is copied out of Spark's buffer without boxing.
 */
final class Pass implements Serializable {
    private static final long serialVersionUID = 1L;

    enum Kind {
        /** Class sums and counts ({@link MeanAccumulator}). */
        MEANS,
        /** Σ_W and variance norms about broadcast means, one staging per batch ({@link WithinClassAccumulator}). */
        SECOND,
        /** Agreement of the classifiers ({@link DecAccumulator}). */
        DECISIONS,
        /** Counts, means, Σ_W and variance norms at once ({@link ClassStatistics}). */
        ONE_PASS
    }

    /** How the embedding column is stored. */
    enum Embedding {
        FLOAT_ARRAY, DOUBLE_ARRAY,
        /** Spark ML's Vector: struct (type: 0 sparse, 1 dense; size; indices; values). */
        VECTOR
    }

    /** Class means sent to the executors (broadcast). */
    record MeansData(double[] means, long[] counts, int d) implements Serializable {
        static MeansData of(Means m) {
            return new MeansData(m.means(), m.counts(), m.dim());
        }

        Means toMeans(DType dtype) {
            return Means.of(means, counts, d, dtype, GlobalMean.UNWEIGHTED, ClassFilter.PRESENT);
        }
    }

    /** The classifier sent to the executors (broadcast). */
    record ClassifierData(double[] weights, double[] bias, int k, int d) implements Serializable {
        static ClassifierData of(Classifier c) {
            return new ClassifierData(c.weights(), c.bias(), c.k(), c.d());
        }

        Classifier toClassifier() {
            return new Classifier(weights, bias, k, d);
        }
    }

    private final Kind kind;
    private final String xName;
    private final String yName;
    private final Embedding embedding;
    private final boolean longLabels;
    private final int k;
    /** The dimension rows must have, or 0: taken from the data (the first pass). */
    private final int expectedD;
    private final int batch;
    private final DType dtype;
    private final String backend;
    private final Broadcast<MeansData> means;
    private final Broadcast<ClassifierData> classifier;

    /**
     * @param yName null for unlabelled rows (OOD data without labels; K must be 1)
     */
    Pass(Kind kind, String xName, String yName, Embedding embedding, boolean longLabels, int k, int expectedD, int batch,
         DType dtype, String backend, Broadcast<MeansData> means, Broadcast<ClassifierData> classifier) {
        this.kind = kind;
        this.xName = xName;
        this.yName = yName;
        this.embedding = embedding;
        this.longLabels = longLabels;
        this.k = k;
        this.expectedD = expectedD;
        this.batch = batch;
        this.dtype = dtype;
        this.backend = backend;
        this.means = means;
        this.classifier = classifier;
    }

    /** Accumulators of one pass, created once the dimension is known. */
    private interface Sink extends AutoCloseable {
        void add(float[] x, int[] y);

        byte[][] states();

        @Override
        void close();
    }

    private Sink sink(Backend be, int d) {
        return switch (kind) {
            case MEANS -> new Sink() {
                final MeanAccumulator acc = new MeanAccumulator(k, d, be, dtype);

                public void add(float[] x, int[] y) {
                    acc.accumulate(x, y);
                }

                public byte[][] states() {
                    return new byte[][] {acc.toBytes()};
                }

                public void close() {
                    acc.close();
                }
            };
            case ONE_PASS -> new Sink() {
                final ClassStatistics st = new ClassStatistics(k, d, be, dtype);

                public void add(float[] x, int[] y) {
                    st.accumulate(x, y);
                }

                public byte[][] states() {
                    return new byte[][] {st.toBytes()};
                }

                public void close() {
                    st.close();
                }
            };
            case SECOND -> new Sink() {
                final Means m = means.value().toMeans(dtype);
                final WithinClassAccumulator wc = new WithinClassAccumulator(be, m);

                public void add(float[] x, int[] y) {
                    wc.accumulate(x, y, m);
                }

                public byte[][] states() {
                    return new byte[][] {wc.toBytes()};
                }

                public void close() {
                    wc.close();
                }
            };
            case DECISIONS -> new Sink() {
                final DecAccumulator dec = new DecAccumulator(be, means.value().toMeans(dtype), classifier.value().toClassifier());

                public void add(float[] x, int[] y) {
                    dec.accumulate(x, y);
                }

                public byte[][] states() {
                    return new byte[][] {dec.toBytes()};
                }

                public void close() {
                    dec.close();
                }
            };
        };
    }

    /** Reads a partition's rows in batches into the pass's accumulators; one state out. */
    Iterator<PartState> partition(Iterator<InternalRow> rows) {
        if (!rows.hasNext()) {
            return List.of(PartState.EMPTY).iterator();
        }
        int part = TaskContext.getPartitionId();
        try (Backend be = "auto".equals(backend) ? Backend.auto() : Backend.byName(backend)) {
            Sink sink = null;
            try {
                int d = expectedD;
                int rowsPerBatch = batch;
                float[] xb = null;
                int[] yb = null;
                int m = 0;
                long row = 0;
                long batchStart = 0;
                float[] one = null;
                while (rows.hasNext()) {
                    InternalRow r = rows.next();
                    int label = 0;
                    if (yName != null) {
                        if (r.isNullAt(1)) {
                            throw bad(yName, part, row, "null label");
                        }
                        long v = longLabels ? r.getLong(1) : r.getInt(1);
                        if (v < 0 || v >= k) {
                            throw bad(yName, part, row, "label " + v + " is outside [0, " + k + ") (K = " + k + ")");
                        }
                        label = (int) v;
                    }
                    if (r.isNullAt(0)) {
                        throw bad(xName, part, row, "null embedding");
                    }
                    if (xb == null) {
                        int n = length(r, part, row);
                        if (d == 0) {
                            if (n == 0) {
                                throw bad(xName, part, row, "empty embedding (0 values)");
                            }
                            d = n;
                        }
                        rowsPerBatch = (int) Math.max(1, Math.min(batch, (Integer.MAX_VALUE - 8L) / d));
                        xb = new float[rowsPerBatch * d];
                        yb = new int[rowsPerBatch];
                        one = new float[d];
                        sink = sink(be, d);
                    }
                    read(r, xb, m * d, d, part, row, one);
                    yb[m++] = label;
                    row++;
                    if (m == rowsPerBatch) {
                        add(sink, xb, yb, m, d, part, batchStart);
                        m = 0;
                        batchStart = row;
                    }
                }
                if (m > 0) {
                    add(sink, Arrays.copyOf(xb, m * d), Arrays.copyOf(yb, m), m, d, part, batchStart);
                }
                return List.of(new PartState(row, d, sink.states())).iterator();
            } finally {
                if (sink != null) {
                    sink.close();
                }
            }
        }
    }

    private void add(Sink sink, float[] x, int[] y, int m, int d, int part, long batchStart) {
        try {
            sink.add(x, yName == null ? null : y);
        } catch (IllegalArgumentException e) {
            String msg = String.valueOf(e.getMessage());
            String column = msg.startsWith("label") && yName != null ? yName : xName;
            throw new SparkInputException(column, "partition " + part + ", in the batch from row " + batchStart + ": " + msg);
        }
    }

    private int length(InternalRow r, int part, long row) {
        return switch (embedding) {
            case FLOAT_ARRAY, DOUBLE_ARRAY -> r.getArray(0).numElements();
            case VECTOR -> vectorSize(r.getStruct(0, 4), part, row);
        };
    }

    private int vectorSize(InternalRow v, int part, long row) {
        if (v.isNullAt(0)) {
            throw bad(xName, part, row, "vector without a type");
        }
        byte type = v.getByte(0);
        if (type == 1) {
            return v.getArray(3).numElements();
        }
        if (type == 0 && !v.isNullAt(1)) {
            return v.getInt(1);
        }
        throw bad(xName, part, row, "vector of unknown type " + type);
    }

    /** Copies one embedding into {@code xb[off, off + d)}, checking length and nulls. */
    private void read(InternalRow r, float[] xb, int off, int d, int part, long row, float[] scratch) {
        switch (embedding) {
            case FLOAT_ARRAY -> {
                ArrayData a = r.getArray(0);
                checkLength(a.numElements(), d, part, row);
                for (int i = 0; i < d; i++) {
                    if (a.isNullAt(i)) {
                        throw bad(xName, part, row, "null value at column " + i);
                    }
                    xb[off + i] = a.getFloat(i);
                }
            }
            case DOUBLE_ARRAY -> {
                ArrayData a = r.getArray(0);
                checkLength(a.numElements(), d, part, row);
                for (int i = 0; i < d; i++) {
                    if (a.isNullAt(i)) {
                        throw bad(xName, part, row, "null value at column " + i);
                    }
                    xb[off + i] = (float) a.getDouble(i);
                }
            }
            case VECTOR -> {
                InternalRow v = r.getStruct(0, 4);
                int n = vectorSize(v, part, row);
                checkLength(n, d, part, row);
                ArrayData values = v.getArray(3);
                if (v.getByte(0) == 1) {
                    for (int i = 0; i < d; i++) {
                        xb[off + i] = (float) values.getDouble(i);
                    }
                } else {
                    ArrayData idx = v.getArray(2);
                    Arrays.fill(scratch, 0f);
                    for (int i = 0; i < values.numElements(); i++) {
                        int j = idx.getInt(i);
                        if (j < 0 || j >= d) {
                            throw bad(xName, part, row, "sparse vector index " + j + " outside [0, " + d + ")");
                        }
                        scratch[j] = (float) values.getDouble(i);
                    }
                    System.arraycopy(scratch, 0, xb, off, d);
                }
            }
        }
    }

    private void checkLength(int n, int d, int part, long row) {
        if (n != d) {
            throw bad(xName, part, row, "has " + n + " values, but " + (expectedD > 0 ? "the training embeddings have D = "
                    : "earlier rows have D = ") + d + " (rows of different lengths)");
        }
    }

    private static SparkInputException bad(String column, int part, long row, String problem) {
        return new SparkInputException(column, "partition " + part + ", row " + row + ": " + problem);
    }

    /** Combines two partial states: exactly the state of one stream of both. */
    PartState merge(PartState a, PartState b) throws IOException {
        if (a.empty()) {
            return b;
        }
        if (b.empty()) {
            return a;
        }
        if (a.d() != b.d()) {
            throw new SparkInputException(xName, "rows of different lengths: some partitions have " + a.d()
                    + " values per row, others " + b.d());
        }
        int d = a.d();
        byte[][] out;
        // Merging is host arithmetic on the saved arrays: the CPU backend, whatever the partitions used.
        try (Backend be = Backend.cpu()) {
            out = switch (kind) {
                case MEANS -> {
                    try (MeanAccumulator x = MeanAccumulator.fromBytes(a.states()[0], k, d, be, dtype);
                         MeanAccumulator y = MeanAccumulator.fromBytes(b.states()[0], k, d, be, dtype)) {
                        x.merge(y);
                        yield new byte[][] {x.toBytes()};
                    }
                }
                case ONE_PASS -> {
                    try (ClassStatistics x = ClassStatistics.fromBytes(a.states()[0], k, d, be, dtype);
                         ClassStatistics y = ClassStatistics.fromBytes(b.states()[0], k, d, be, dtype)) {
                        x.merge(y);
                        yield new byte[][] {x.toBytes()};
                    }
                }
                case SECOND -> {
                    Means m = means.value().toMeans(dtype);
                    try (WithinClassAccumulator x = WithinClassAccumulator.fromBytes(a.states()[0], be, m);
                         WithinClassAccumulator y = WithinClassAccumulator.fromBytes(b.states()[0], be, m)) {
                        x.merge(y);
                        yield new byte[][] {x.toBytes()};
                    }
                }
                case DECISIONS -> {
                    Means m = means.value().toMeans(dtype);
                    Classifier c = classifier.value().toClassifier();
                    try (DecAccumulator x = DecAccumulator.fromBytes(a.states()[0], be, m, c);
                         DecAccumulator y = DecAccumulator.fromBytes(b.states()[0], be, m, c)) {
                        x.merge(y);
                        yield new byte[][] {x.toBytes()};
                    }
                }
            };
        }
        return new PartState(a.rows() + b.rows(), d, out);
    }
}
