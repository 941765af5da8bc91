package org.ncj.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.ncj.DType;
import org.ncj.accumulate.ClassStatistics;
import org.ncj.accumulate.CovarAccumulator;
import org.ncj.accumulate.MeanAccumulator;
import org.ncj.accumulate.Means;
import org.ncj.accumulate.VarNormAccumulator;
import org.ncj.backend.Backend;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * One pass ({@link ClassStatistics}) against the Python package's two passes (means, then Σ_W and
 * variance norms about them) over the same 200,000 × 512 data in batches of 4096, on the CPU.
 * Both produce counts, means, Σ_W and variance norms; the two-pass figure does not include the
 * second forward pass of a model that a user would also pay for.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgs = {"-Xmx8g", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class PassesBench {
    @Param({"100"})
    public int k;
    public int n = 200_000;
    public int d = 512;
    public int batch = 4096;
    public float[][] xs;
    public int[][] ys;

    @Setup(Level.Trial)
    public void setup() {
        Random r = new Random(7);
        int batches = (n + batch - 1) / batch;
        xs = new float[batches][];
        ys = new int[batches][];
        for (int b = 0; b < batches; b++) {
            int rows = Math.min(batch, n - b * batch);
            xs[b] = new float[rows * d];
            ys[b] = new int[rows];
            for (int i = 0; i < rows; i++) {
                ys[b][i] = r.nextInt(k);
                for (int j = 0; j < d; j++) {
                    xs[b][i * d + j] = (float) (ys[b][i] * 0.01 + r.nextGaussian());
                }
            }
        }
    }

    @Benchmark
    public Object twoPass() {
        try (Backend be = Backend.cpu(); MeanAccumulator m = new MeanAccumulator(k, d, be, DType.FLOAT32)) {
            for (int b = 0; b < xs.length; b++) {
                m.accumulate(xs[b], ys[b]);
            }
            Means means = m.compute();
            try (CovarAccumulator c = new CovarAccumulator(be, means); VarNormAccumulator v = new VarNormAccumulator(be, means)) {
                for (int b = 0; b < xs.length; b++) {
                    c.accumulate(xs[b], ys[b]);
                    v.accumulate(xs[b], ys[b]);
                }
                return new Object[] {c.compute(), v.compute()};
            }
        }
    }

    @Benchmark
    public Object onePass() {
        try (Backend be = Backend.cpu(); ClassStatistics s = new ClassStatistics(k, d, be, DType.FLOAT32)) {
            for (int b = 0; b < xs.length; b++) {
                s.accumulate(xs[b], ys[b]);
            }
            Means means = s.means();
            return new Object[] {s.covariance(means), s.varNorms(means)};
        }
    }
}
