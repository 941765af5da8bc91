package org.ncj.spark;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The test classes' Spark session and Parquet writer. */
final class SparkTests {
    private SparkTests() {
    }

    /**
     * A local[2] session for one test class. Reading: every Parquet file is its own partition
     * (an open cost as large as the split size stops Spark packing small files together), so a
     * test decides the partitions by the files it writes.
     */
    static SparkSession session() {
        return SparkSession.builder().master("local[2]").appName("ncj-test")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.sql.files.openCostInBytes", String.valueOf(128L << 20))
                .config("spark.sql.files.maxPartitionBytes", String.valueOf(128L << 20))
                .config("spark.driver.host", "127.0.0.1")
                .getOrCreate();
    }

    /** How embeddings are stored in the Parquet file. */
    enum Storage {
        FLOAT, DOUBLE, VECTOR;

        DataType type() {
            return switch (this) {
                case FLOAT -> DataTypes.createArrayType(DataTypes.FloatType, false);
                case DOUBLE -> DataTypes.createArrayType(DataTypes.DoubleType, false);
                case VECTOR -> new TestVectorUDT();
            };
        }

        Object value(float[] x, int row, int d, int index) {
            return switch (this) {
                case FLOAT -> java.util.Arrays.copyOfRange(x, row * d, (row + 1) * d);
                case DOUBLE -> {
                    double[] v = new double[d];
                    for (int j = 0; j < d; j++) {
                        v[j] = x[row * d + j];
                    }
                    yield v;
                }
                case VECTOR -> {
                    double[] v = new double[d];
                    for (int j = 0; j < d; j++) {
                        v[j] = x[row * d + j];
                    }
                    // Every other row sparse, to read both of the Vector's forms.
                    yield index % 2 == 0 ? TestVector.dense(v) : TestVector.sparseOf(v);
                }
            };
        }
    }

    static StructType schema(Storage s, boolean labels) {
        StructType t = new StructType().add("embedding", s.type(), true);
        return labels ? t.add("label", DataTypes.IntegerType, true) : t;
    }

    /**
     * Writes x (and y) as {@code parts} Parquet files in {@code dir}, plus one empty file when
     * {@code emptyPart}. Rows go in label order; with labels and several parts the last class goes
     * whole into the last file and the others spread evenly over the rest, so at least one class
     * (for K = 2 too) is present in one partition only.
     */
    static Path write(SparkSession spark, Path dir, float[] x, int[] y, int d, int parts, boolean emptyPart, Storage s) {
        int n = x.length / d;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        int last = -1;
        if (y != null) {
            java.util.Arrays.sort(order, Comparator.comparingInt((Integer i) -> y[i]).thenComparingInt(i -> i));
            last = y[order[n - 1]];
        }
        int rest = 0;
        for (int r = 0; r < n; r++) {
            rest += y != null && y[order[r]] == last ? 0 : 1;
        }
        List<scala.Tuple2<Integer, Row>> rows = new ArrayList<>(n);
        for (int r = 0, seen = 0; r < n; r++) {
            int i = order[r];
            int part;
            if (parts == 1) {
                part = 0;
            } else if (y != null && y[i] == last) {
                part = parts - 1;
            } else {
                int spread = y != null ? parts - 1 : parts;
                part = (int) ((long) seen++ * spread / Math.max(1, rest));
            }
            Row row = y == null ? RowFactory.create(s.value(x, i, d, r)) : RowFactory.create(s.value(x, i, d, r), y[i]);
            rows.add(new scala.Tuple2<>(part, row));
        }
        StructType schema = schema(s, y != null);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        // Integer keys hash to themselves: key p lands in partition p, one file each.
        Dataset<Row> df = spark.createDataFrame(jsc.parallelizePairs(rows, parts)
                .partitionBy(new org.apache.spark.HashPartitioner(parts)).values(), schema);
        df.write().mode(SaveMode.Overwrite).parquet(dir.toString());
        if (emptyPart) {
            spark.createDataFrame(new ArrayList<>(), schema).coalesce(1).write().mode(SaveMode.Append).parquet(dir.toString());
        }
        return dir;
    }
}
