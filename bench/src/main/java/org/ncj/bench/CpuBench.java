package org.ncj.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.ncj.DType;
import org.ncj.backend.Backend;
import org.ncj.backend.Batch;
import org.ncj.backend.CentredStats;
import org.ncj.backend.ClassSums;
import org.ncj.backend.cpu.CpuLinalg;
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

import dev.ludovic.netlib.blas.BLAS;

/**
 * CPU backend throughput, each figure beside its limit measured in the same run:
 * class sums against memory copy bandwidth, the covariance SYRK against the BLAS {@code ssyrk} /
 * {@code dsyrk} on the same shape (native OpenBLAS when the system has one), and the symmetric
 * eigen-decomposition at n = 1024. {@code bench/run-cpu.sh} turns the JSON into RESULTS.md.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgs = {"-Xmx12g", "--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector"})
public class CpuBench {

    /** Batch for class sums and copy bandwidth: n × D floats (256 MB at the default). */
    @State(Scope.Benchmark)
    public static class Sums {
        @Param({"10", "1000"})
        public int k;
        @Param({"512"})
        public int d;
        public int n = 131072;
        public float[] x;
        public float[] copy;
        public int[] y;
        public Backend backend;
        public ClassSums sums;
        public DType dtype = DType.FLOAT32;

        @Setup(Level.Trial)
        public void setup() {
            Random r = new Random(1);
            x = new float[n * d];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            copy = new float[x.length];
            y = new int[n];
            for (int i = 0; i < n; i++) {
                y[i] = r.nextInt(k);
            }
            backend = Backend.cpu();
            sums = backend.classSums(k, d, dtype);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            sums.close();
            backend.close();
        }
    }

    /** Class sums: reads n·D·4 + n·4 bytes. */
    @Benchmark
    public void classSums(Sums s) {
        s.sums.add(Batch.of(s.x, s.n, s.d, s.y));
    }

    /** The limit: a memory copy of the same batch (reads and writes n·D·4 bytes each). */
    @Benchmark
    public void memoryCopy(Sums s, Blackhole bh) {
        System.arraycopy(s.x, 0, s.copy, 0, s.x.length);
        bh.consume(s.copy);
    }

    /** Centred batch for the covariance: n × D. */
    @State(Scope.Benchmark)
    public static class Cov {
        @Param({"256", "1024"})
        public int d;
        @Param({"FLOAT32", "FLOAT64"})
        public DType dtype;
        public int n = 4096;
        public int k = 10;
        public float[] x;
        public float[] xf;
        public double[] xd;
        public float[] cf;
        public double[] cd;
        public int[] y;
        public Backend backend;
        public CentredStats stats;

        @Setup(Level.Trial)
        public void setup() {
            Random r = new Random(2);
            x = new float[n * d];
            xd = new double[n * d];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
                xd[i] = x[i];
            }
            xf = x.clone();
            cf = new float[d * d];
            cd = new double[d * d];
            y = new int[n];
            backend = Backend.cpu();
            stats = backend.centredStats(new double[k * d], k, d, dtype, true, false);
            System.out.println("# BLAS implementation: " + BLAS.getInstance().getClass().getSimpleName());
            System.out.println("# backend: " + backend.description());
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            stats.close();
            backend.close();
        }
    }

    /** ncj's covariance update (centring included): n·D·(D+1) flops for the SYRK. */
    @Benchmark
    public void covariance(Cov c) {
        c.stats.add(Batch.of(c.x, c.n, c.d, c.y));
    }

    /** The same with the pure-Java SYRK kernel (what runs where no native BLAS is installed). */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = "-Dncj.cpu.javaSyrk=true")
    public void covarianceJavaKernel(Cov c) {
        c.stats.add(Batch.of(c.x, c.n, c.d, c.y));
    }

    /**
     * The anchor: BLAS SYRK on the same n × D batch (C = XᵀX, upper). Row-major X is a
     * column-major D × n matrix, so this is syrk("U", "N", D, n).
     */
    @Benchmark
    public void blasSyrk(Cov c, Blackhole bh) {
        if (c.dtype == DType.FLOAT32) {
            BLAS.getInstance().ssyrk("U", "N", c.d, c.n, 1f, c.xf, c.d, 1f, c.cf, c.d);
            bh.consume(c.cf);
        } else {
            BLAS.getInstance().dsyrk("U", "N", c.d, c.n, 1.0, c.xd, c.d, 1.0, c.cd, c.d);
            bh.consume(c.cd);
        }
    }

    /** Symmetric matrix for the eigen-decomposition. */
    @State(Scope.Benchmark)
    public static class Eig {
        @Param({"1024"})
        public int n;
        public double[] a;

        @Setup(Level.Trial)
        public void setup() {
            Random r = new Random(3);
            a = new double[n * n];
            for (int i = 0; i < n; i++) {
                for (int j = i; j < n; j++) {
                    a[i * n + j] = a[j * n + i] = r.nextGaussian();
                }
            }
        }
    }

    /** dsyevd through netlib LAPACK, as NC1 uses it. */
    @Benchmark
    @Warmup(iterations = 1, time = 1)
    @Measurement(iterations = 3, time = 1)
    public Object eigh(Eig e) {
        return CpuLinalg.eigh(e.a, e.n);
    }
}
