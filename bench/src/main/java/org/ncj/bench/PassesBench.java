package org.ncj.bench;

import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.ncj.DType;
import org.ncj.accumulate.ClassStatistics;
import org.ncj.accumulate.CovarAccumulator;
import org.ncj.accumulate.MeanAccumulator;
import org.ncj.accumulate.Means;
import org.ncj.accumulate.VarNormAccumulator;
import org.ncj.accumulate.WithinClassAccumulator;
import org.ncj.analysis.Analysis;
import org.ncj.backend.Backend;
import org.ncj.measure.MetricSet;
import org.ncj.measure.Statistics;
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
 * One pass against two passes of the library's {@link Analysis} over the same 200,000 × 512 data
 * in batches of 4096, on the CPU, each with every measure the statistics allow: one pass
 * ({@link ClassStatistics}); two passes with the fused second pass ({@link WithinClassAccumulator},
 * one staging per batch); and the Python package's two passes fed by hand with the separate
 * {@link CovarAccumulator} and {@link VarNormAccumulator} (each batch staged twice), the reference
 * for the fused one. The two-pass figures do not include the second forward pass of a model that
 * a user would also pay for.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgs = {"-Xmx8g", "--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector"})
@State(Scope.Benchmark)
public class PassesBench {
    @Param({"100"})
    public int k;
    public int n = 200_000;
    public int d = 512;
    public int batch = 4096;
    /** Row-major rows and their labels, as the analysis reads them. */
    public float[] x;
    public int[] y;

    @Setup(Level.Trial)
    public void setup() {
        Random r = new Random(7);
        x = new float[n * d];
        y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(k);
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) (y[i] * 0.01 + r.nextGaussian());
            }
        }
    }

    private Object analysis(boolean onePass) throws IOException {
        try (Backend be = Backend.cpu();
             Analysis a = Analysis.builder().backend(be).dtype(DType.FLOAT32).batchRows(batch).onePass(onePass).build()) {
            return a.run(Analysis.Inputs.train(Analysis.Data.of("x", x, d, "y", y)).withClasses(k));
        }
    }

    @Benchmark
    public Object twoPass() throws IOException {
        return analysis(false);
    }

    @Benchmark
    public Object onePass() throws IOException {
        return analysis(true);
    }

    /** The same two passes with a Covar and a VarNorm accumulator, each staging every batch. */
    @Benchmark
    public Object twoPassSeparateAccumulators() {
        try (Backend be = Backend.cpu(); MeanAccumulator m = new MeanAccumulator(k, d, be, DType.FLOAT32)) {
            for (int r0 = 0; r0 < n; r0 += batch) {
                int r1 = Math.min(n, r0 + batch);
                m.accumulate(Arrays.copyOfRange(x, r0 * d, r1 * d), Arrays.copyOfRange(y, r0, r1));
            }
            Means means = m.compute();
            try (CovarAccumulator c = new CovarAccumulator(be, means); VarNormAccumulator v = new VarNormAccumulator(be, means)) {
                for (int r0 = 0; r0 < n; r0 += batch) {
                    int r1 = Math.min(n, r0 + batch);
                    float[] xb = Arrays.copyOfRange(x, r0 * d, r1 * d);
                    int[] yb = Arrays.copyOfRange(y, r0, r1);
                    c.accumulate(xb, yb);
                    v.accumulate(xb, yb);
                }
                return MetricSet.compute(be, Statistics.of(means).withWithinClass(c.compute(), v.compute()),
                        MetricSet.Options.DEFAULT);
            }
        }
    }
}
