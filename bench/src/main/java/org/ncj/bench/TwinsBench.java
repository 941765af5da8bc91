package org.ncj.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.ncj.DType;
import org.ncj.backend.Backend;
import org.ncj.backend.Batch;
import org.ncj.backend.CentredStats;
import org.ncj.io.Npy;
import org.ncj.io.NpyArray;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The loops that exist once for float32 and once for float64 (README "One source for the float32
 * and float64 loops"): the Java SYRK kernel with the centring in front of it, the centring alone
 * (variance norms), and the .npy readers for each float element type and for Fortran order.
 * Written against the public API only, so {@code bench/run-twins.sh} can run it against an
 * earlier build of the library and this one, interleaved, and compare the two in one run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgs = {"-Xmx3g", "--enable-native-access=ALL-UNNAMED", "-Dncj.cpu.javaSyrk=true"})
public class TwinsBench {

    /** A centred-statistics accumulator on the pure-Java SYRK kernel (no native BLAS). */
    @State(Scope.Benchmark)
    public static class Centre {
        @Param({"FLOAT32", "FLOAT64"})
        public DType dtype;
        /** "scatter": centring + SYRK; "varnorms": centring and row norms only. */
        @Param({"scatter", "varnorms"})
        public String what;
        public int n = 4096;
        public int d = 256;
        public int k = 10;
        public float[] x;
        public int[] y;
        public Backend backend;
        public CentredStats stats;

        @Setup(Level.Trial)
        public void setup() {
            Random r = new Random(2);
            x = new float[n * d];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            y = new int[n];
            for (int i = 0; i < n; i++) {
                y[i] = r.nextInt(k);
            }
            double[] means = new double[k * d];
            for (int i = 0; i < means.length; i++) {
                means[i] = 0.01 * r.nextGaussian();
            }
            backend = Backend.cpu();
            boolean scatter = what.equals("scatter");
            stats = backend.centredStats(means, k, d, dtype, scatter, !scatter);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            stats.close();
            backend.close();
        }
    }

    @Benchmark
    public void centredStats(Centre c) {
        c.stats.add(Batch.of(c.x, c.n, c.d, c.y));
    }

    /** A 65536 × 128 .npy file of the given element type, C or Fortran order. */
    @State(Scope.Benchmark)
    public static class Read {
        @Param({"<f4", "<f2", "<f8", "<f4 fortran"})
        public String file;
        public int rows = 65536;
        public int cols = 128;
        public Path dir;
        public NpyArray array;
        public float[] f;
        public double[] g;

        @Setup(Level.Trial)
        public void setup() throws IOException {
            dir = Files.createTempDirectory("ncj-twins-bench");
            String descr = file.substring(0, 3);
            boolean fortran = file.endsWith("fortran");
            int w = Integer.parseInt(descr.substring(2));
            ByteBuffer data = ByteBuffer.allocate(rows * cols * w).order(ByteOrder.LITTLE_ENDIAN);
            Random r = new Random(4);
            for (int i = 0; i < rows * cols; i++) {
                float v = (float) r.nextGaussian();
                switch (w) {
                    case 2 -> data.putShort(Float.floatToFloat16(v));
                    case 4 -> data.putFloat(v);
                    default -> data.putDouble(v);
                }
            }
            String header = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False")
                    + ", 'shape': (" + rows + ", " + cols + "), }";
            int total = (10 + header.length() + 1 + 63) / 64 * 64;
            ByteBuffer head = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
            head.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0)
                    .putShort((short) (total - 10)).put(header.getBytes(StandardCharsets.US_ASCII));
            while (head.position() < total - 1) {
                head.put((byte) ' ');
            }
            head.put((byte) '\n').flip();
            data.flip();
            Path p = dir.resolve("x.npy");
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                while (head.hasRemaining()) {
                    ch.write(head);
                }
                while (data.hasRemaining()) {
                    ch.write(data);
                }
            }
            array = Npy.open(p);
            f = new float[rows * cols];
            g = new double[rows * cols];
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            array.close();
            Files.delete(dir.resolve("x.npy"));
            Files.delete(dir);
        }
    }

    @Benchmark
    public void readFloats(Read s, Blackhole bh) throws IOException {
        s.array.readFloats(0, s.rows, s.f, 0);
        bh.consume(s.f);
    }

    @Benchmark
    public void readDoubles(Read s, Blackhole bh) throws IOException {
        s.array.readDoubles(0, s.rows, s.g, 0);
        bh.consume(s.g);
    }
}
