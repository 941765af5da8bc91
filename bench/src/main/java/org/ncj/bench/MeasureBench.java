package org.ncj.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.ncj.DType;
import org.ncj.accumulate.ClassFilter;
import org.ncj.accumulate.GlobalMean;
import org.ncj.accumulate.Means;
import org.ncj.accumulate.PerClassCovariance;
import org.ncj.backend.Backend;
import org.ncj.backend.Batch;
import org.ncj.backend.CentredStats;
import org.ncj.backend.Decisions;
import org.ncj.pairwise.PairKernel;
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
 * The CPU backend's measures and remaining accumulators, each beside a BLAS anchor on the same
 * shape in the same run: pairwise kernel statistics (per kernel and tile size) against
 * {@code dgemm} of the K×K×D Gram, decisions against {@code dgemm} of the n×K×D scores, variance
 * norms against a memory copy, per-class covariance against {@code dsyrk}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx8g", "--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector"})
public class MeasureBench {

    /** Unit vectors for the pairwise kernels: K × D. */
    @State(Scope.Benchmark)
    public static class Pairs {
        @Param({"2048"})
        public int k;
        @Param({"128"})
        public int d;
        @Param({"dist", "log", "riesz", "cdnv"})
        public String kernel;
        @Param({"16", "64", "256"})
        public int tile;
        public double[] p;
        public double[] gram;
        public PairKernel functor;
        public Backend backend;

        @Setup(Level.Trial)
        public void setup() {
            Random r = new Random(1);
            p = new double[k * d];
            for (int i = 0; i < k; i++) {
                double n = 0;
                for (int j = 0; j < d; j++) {
                    p[i * d + j] = r.nextGaussian();
                    n += p[i * d + j] * p[i * d + j];
                }
                n = Math.sqrt(n);
                for (int j = 0; j < d; j++) {
                    p[i * d + j] /= n;
                }
            }
            gram = new double[k * k];
            double[] v = new double[k];
            java.util.Arrays.fill(v, 1.0);
            functor = switch (kernel) {
                case "dist" -> new PairKernel.Dist();
                case "log" -> new PairKernel.Log(-1);
                case "riesz" -> PairKernel.Riesz.forDimension(d);
                default -> new PairKernel.Cdnv(1.0, v);
            };
            backend = Backend.cpu();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            backend.close();
        }
    }

    /** ncj's tiled pairwise statistics: K(K−1)/2 pairs, 4·D flops each (difference, square, product, sums). */
    @Benchmark
    public Object pairwiseStats(Pairs s) {
        return s.backend.pairwiseStats(s.p, s.k, s.d, s.functor, s.tile);
    }

    /** The anchor: BLAS dgemm of the K×K Gram P Pᵀ (2·K²·D flops), what a GEMM-based distance would cost. */
    @Benchmark
    public void pairwiseGemmAnchor(Pairs s, Blackhole bh) {
        if (!s.kernel.equals("dist") || s.tile != 64) {
            return; // one anchor per shape is enough
        }
        // Row-major P (K×D) is column-major Pᵀ (D×K): C = (Pᵀ)ᵀ Pᵀ.
        BLAS.getInstance().dgemm("T", "N", s.k, s.k, s.d, 1.0, s.p, s.d, s.p, s.d, 0.0, s.gram, s.k);
        bh.consume(s.gram);
    }

    /** Evaluation batch and classifier for decisions: n × D against K classes. */
    @State(Scope.Benchmark)
    public static class Dec {
        @Param({"1000"})
        public int k;
        @Param({"512"})
        public int d;
        public int n = 2048;
        public float[] x;
        public int[] y;
        public double[] xd;
        public double[] means;
        public double[] scores;
        public Decisions dec;
        public Backend backend;

        @Setup(Level.Trial)
        public void setup() {
            Random r = new Random(2);
            x = new float[n * d];
            xd = new double[n * d];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
                xd[i] = x[i];
            }
            y = new int[n];
            for (int i = 0; i < n; i++) {
                y[i] = r.nextInt(k);
            }
            means = new double[k * d];
            double[] w = new double[k * d];
            for (int i = 0; i < means.length; i++) {
                means[i] = r.nextGaussian();
                w[i] = r.nextGaussian();
            }
            scores = new double[n * k];
            int[] cand = java.util.stream.IntStream.range(0, k).toArray();
            backend = Backend.cpu();
            dec = backend.decisions(means, w, null, cand, k, d, DType.FLOAT32);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            dec.close();
            backend.close();
        }
    }

    /** ncj's decisions: both classifiers, 2 · 2·n·K·D flops (distance and score per class). */
    @Benchmark
    public void decisions(Dec s) {
        s.dec.add(Batch.of(s.x, s.n, s.d, s.y));
    }

    /** The anchor: one BLAS dgemm of the n×K scores (2·n·K·D flops); ncj does two such products. */
    @Benchmark
    public void decisionsGemmAnchor(Dec s, Blackhole bh) {
        BLAS.getInstance().dgemm("T", "N", s.k, s.n, s.d, 1.0, s.means, s.d, s.xd, s.d, 0.0, s.scores, s.k);
        bh.consume(s.scores);
    }

    /** Batch for variance norms and per-class covariance. */
    @State(Scope.Benchmark)
    public static class Var {
        @Param({"16"})
        public int k;
        @Param({"256"})
        public int d;
        public int n = 16384;
        public float[] x;
        public float[] copy;
        public int[] y;
        public double[] xd;
        public double[] c;
        public Means means;
        public CentredStats stats;
        public Backend backend;
        public List<Batch> batches = new ArrayList<>();

        @Setup(Level.Trial)
        public void setup() {
            Random r = new Random(3);
            x = new float[n * d];
            xd = new double[n * d];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
                xd[i] = x[i];
            }
            copy = new float[x.length];
            y = new int[n];
            long[] counts = new long[k];
            for (int i = 0; i < n; i++) {
                y[i] = r.nextInt(k);
                counts[y[i]]++;
            }
            c = new double[d * d];
            backend = Backend.cpu();
            double[] m = new double[k * d];
            means = Means.of(m, counts, d, DType.FLOAT32, GlobalMean.UNWEIGHTED, ClassFilter.PRESENT);
            stats = backend.centredStats(m, k, d, DType.FLOAT32, false, true);
            batches.add(Batch.of(x, n, d, y));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            stats.close();
            backend.close();
        }
    }

    /** ncj's variance norms: reads n·D·4 bytes, writes nothing per row but the centred copy. */
    @Benchmark
    public void varNorms(Var s) {
        s.stats.add(Batch.of(s.x, s.n, s.d, s.y));
    }

    /** Its limit: a memory copy of the same batch. */
    @Benchmark
    public void varNormsCopyAnchor(Var s, Blackhole bh) {
        System.arraycopy(s.x, 0, s.copy, 0, s.x.length);
        bh.consume(s.copy);
    }

    /** ncj's per-class covariance (all 16 classes in one pass): n·D·(D+1) flops in all. */
    @Benchmark
    public void perClassCovariance(Var s, Blackhole bh) {
        PerClassCovariance.compute(s.backend, s.means, s.batches, Long.MAX_VALUE, (c, count, sigma) -> bh.consume(sigma));
    }

    /** The anchor: one BLAS dsyrk over the whole batch (the same flops, no grouping). */
    @Benchmark
    public void perClassSyrkAnchor(Var s, Blackhole bh) {
        BLAS.getInstance().dsyrk("L", "N", s.d, s.n, 1.0, s.xd, s.d, 0.0, s.c, s.d);
        bh.consume(s.c);
    }
}
