import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.ncj.io.Sources;
import org.ncj.io.Tensor2D;

/**
 * Embeddings (and labels) from .npy / .safetensors into a Parquet directory of P part files,
 * columns {@code embedding} (array<float>) and {@code label} (int), rows in order: for trying
 * {@code ./ncj analyze --spark} on data you have as .npy (the golden cases, for one).
 * Run as a single-file program: java -cp <ncj-spark class path> NpyToParquet.java X.npy [Y.npy|-] P OUT_DIR
 */
public final class NpyToParquet {
    public static void main(String[] a) throws Exception {
        int parts = Integer.parseInt(a[2]);
        List<Row> rows = new ArrayList<>();
        try (Tensor2D x = Sources.openEmbeddings(a[0]); Tensor2D y = a[1].equals("-") ? null : Sources.openLabels(a[1])) {
            int n = Math.toIntExact(x.rows());
            int d = x.cols();
            float[] xs = new float[n * d];
            x.readFloats(0, n, xs, 0);
            int[] ys = null;
            if (y != null) {
                ys = new int[n];
                y.readInts(0, n, ys, 0);
            }
            for (int i = 0; i < n; i++) {
                float[] v = java.util.Arrays.copyOfRange(xs, i * d, (i + 1) * d);
                rows.add(ys == null ? RowFactory.create(v) : RowFactory.create(v, ys[i]));
            }
        }
        StructType schema = new StructType().add("embedding", DataTypes.createArrayType(DataTypes.FloatType, false), false);
        if (!a[1].equals("-")) {
            schema = schema.add("label", DataTypes.IntegerType, false);
        }
        SparkSession spark = SparkSession.builder().master("local[2]").appName("npy-to-parquet")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            spark.createDataFrame(jsc.parallelize(rows, parts), schema).write().mode(SaveMode.Overwrite).parquet(a[3]);
        } finally {
            spark.stop();
        }
        System.out.println("wrote " + rows.size() + " rows to " + Path.of(a[3]) + " (" + parts + " part files)");
    }
}
