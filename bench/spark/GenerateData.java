import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The Spark benchmark's data: N rows of D float32 embeddings around K Gaussian class centres, the
 * same rows as a Parquet directory of P part files (embedding array<float>, label int) and as
 * x.npy / y.npy. Row i depends on (seed, i) only, so the two copies hold the same numbers.
 * Run as a single-file program: java -cp <ncj-spark class path> GenerateData.java N D K P DIR
 */
public final class GenerateData {
    static final long SEED = 15;

    static float[][] centres(int k, int d) {
        SplittableRandom r = new SplittableRandom(SEED);
        float[][] c = new float[k][d];
        for (float[] row : c) {
            for (int j = 0; j < d; j++) {
                row[j] = (float) (3 * r.nextGaussian());
            }
        }
        return c;
    }

    static int label(long i, int k) {
        return (int) Math.floorMod(new SplittableRandom(SEED ^ (i * 0x9E3779B97F4A7C15L)).nextLong(), (long) k);
    }

    static void row(long i, float[][] c, float[] out) {
        SplittableRandom r = new SplittableRandom(SEED * 1_000_003L + i);
        float[] m = c[label(i, c.length)];
        for (int j = 0; j < out.length; j++) {
            out[j] = (float) (m[j] + r.nextGaussian());
        }
    }

    public static void main(String[] a) throws IOException {
        long n = Long.parseLong(a[0]);
        int d = Integer.parseInt(a[1]);
        int k = Integer.parseInt(a[2]);
        int p = Integer.parseInt(a[3]);
        Path dir = Path.of(a[4]);
        Files.createDirectories(dir);
        SparkSession spark = SparkSession.builder().master("local[2]").appName("ncj-bench-data")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            StructType schema = new StructType().add("embedding", DataTypes.createArrayType(DataTypes.FloatType, false), false)
                    .add("label", DataTypes.IntegerType, false);
            List<Integer> parts = IntStream.range(0, p).boxed().toList();
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            spark.createDataFrame(jsc.parallelize(parts, p).flatMap(part -> {
                float[][] c = centres(k, d);
                long r0 = n * part / p;
                long r1 = n * (part + 1) / p;
                return new Iterator<Row>() {
                    long i = r0;

                    public boolean hasNext() {
                        return i < r1;
                    }

                    public Row next() {
                        float[] x = new float[d];
                        row(i, c, x);
                        return RowFactory.create(x, label(i++, k));
                    }
                };
            }), schema).write().mode(SaveMode.Overwrite).parquet(dir.resolve("train.parquet").toString());
        } finally {
            spark.stop();
        }
        float[][] c = centres(k, d);
        try (FileChannel x = open(dir.resolve("x.npy"), "<f4", n + ", " + d);
             FileChannel y = open(dir.resolve("y.npy"), "<i4", n + ",")) {
            ByteBuffer xb = ByteBuffer.allocate(1 << 22).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer yb = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            float[] v = new float[d];
            for (long i = 0; i < n; i++) {
                row(i, c, v);
                if (xb.remaining() < 4 * d) {
                    drain(x, xb);
                }
                for (float f : v) {
                    xb.putFloat(f);
                }
                if (yb.remaining() < 4) {
                    drain(y, yb);
                }
                yb.putInt(label(i, k));
            }
            drain(x, xb);
            drain(y, yb);
        }
        System.out.println("wrote " + n + " x " + d + " (K = " + k + ") to " + dir.resolve("train.parquet") + " (" + p
                + " part files) and x.npy, y.npy");
    }

    static FileChannel open(Path f, String descr, String shape) throws IOException {
        FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        String h = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + shape + "), }";
        int pad = 64 - (10 + h.length() + 1) % 64;
        byte[] header = (h + " ".repeat(pad % 64) + "\n").getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(10 + header.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0).putShort((short) header.length)
                .put(header).flip();
        ch.write(b);
        return ch;
    }

    static void drain(FileChannel ch, ByteBuffer b) throws IOException {
        b.flip();
        while (b.hasRemaining()) {
            ch.write(b);
        }
        b.clear();
    }
}
