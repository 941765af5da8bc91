package org.ncj.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;

import dev.ludovic.netlib.blas.BLAS;

import org.ncj.DType;
import org.ncj.accumulate.CovarAccumulator;
import org.ncj.accumulate.MeanAccumulator;
import org.ncj.accumulate.Means;
import org.ncj.accumulate.VarNormAccumulator;
import org.ncj.accumulate.WithinClassAccumulator;
import org.ncj.analysis.Analysis;
import org.ncj.backend.Backend;
import org.ncj.backend.Batch;
import org.ncj.backend.CentredStats;
import org.ncj.backend.ClassSums;
import org.ncj.backend.Decisions;

/**
 * The CPU targets of issue #13, each figure beside its limit measured in the same run: figure and
 * limit are timed alternately (best of {@code reps} each), so that load from other processes on
 * the machine hits both, and every line carries the 1-minute load average read when it was timed.
 * Run it with {@code OPENBLAS_THREAD_TIMEOUT=4} (as {@code bench/run-targets-cpu.sh} does; the
 * header line says whether it was set): OpenBLAS's threads otherwise spin for about 0.1 s after
 * each call, on the cores the next Java figure needs (the covariance at D = 128 took 12.9–30.3 ms
 * right after an {@code sgemm}, 13.9–15.6 ms with the variable, 13.6–16.1 ms with no
 * {@code sgemm} before it; probe CovAdd).
 * Limits: one BLAS GEMM {@code XᵀX} of the same rows (covariance), a streaming read of the same
 * rows (decisions for K ≤ 64, class sums, variance norms), the GEMM of the same scores (decisions
 * for K ≥ 256), two passes (one pass). Rows named "floor" bound a target from below: the BLAS
 * SYRK alone against the covariance's GEMM, and the decisions' scores at the FP32 peak
 * ({@link Fp32Peak}, measured in the same run) against the read. Prints a Markdown table;
 * {@code bench/run-targets-cpu.sh}.
 *
 * <p>Usage: {@code Targets [reps] [section ...]}, sections {@code cov dec sums passes second} (default all).
 */
public final class Targets {
    private static int reps = 5;

    private Targets() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0) {
            reps = Integer.parseInt(args[0]);
        }
        java.util.Set<String> want = new java.util.HashSet<>();
        for (int i = 1; i < args.length; i++) {
            want.add(args[i]);
        }
        boolean all = want.isEmpty();
        System.out.println("# BLAS: " + BLAS.getInstance().getClass().getSimpleName() + " (OPENBLAS_THREAD_TIMEOUT="
                + System.getenv().getOrDefault("OPENBLAS_THREAD_TIMEOUT", "unset") + "); backend: " + Backend.cpu().description());
        System.out.println("| target | figure | limit (same run) | ratio | goal | met | load (1 min) |");
        System.out.println("|---|---|---|---|---|---|---|");
        if (all || want.contains("cov")) {
            covariance();
        }
        if (all || want.contains("dec")) {
            decisions();
        }
        if (all || want.contains("sums")) {
            sums();
        }
        if (all || want.contains("passes")) {
            passes();
        }
        if (all || want.contains("second")) {
            secondPass();
        }
    }

    /** Best time (s) of figure and limit, timed alternately, after one warm-up of each. */
    private static double[] pair(Callable<?> figure, Callable<?> limit) throws Exception {
        return alternate(reps, figure, limit);
    }

    /**
     * Best time (s) of figure and limit over {@code reps} alternations, after one warm-up of each,
     * so that load from other processes hits both (also for the probes in
     * {@code org.ncj.backend.cpu}).
     */
    public static double[] alternate(int reps, Callable<?> figure, Callable<?> limit) throws Exception {
        figure.call();
        limit.call();
        double bf = Double.MAX_VALUE;
        double bl = Double.MAX_VALUE;
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            figure.call();
            long t1 = System.nanoTime();
            limit.call();
            long t2 = System.nanoTime();
            bf = Math.min(bf, (t1 - t0) * 1e-9);
            bl = Math.min(bl, (t2 - t1) * 1e-9);
        }
        return new double[] {bf, bl};
    }

    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (Exception e) {
            return "n/a";
        }
    }

    private static void row(String target, double[] t, String limitName, double goal, boolean atMost) {
        double ratio = t[0] / t[1];
        boolean met = atMost ? ratio <= goal : ratio >= goal;
        System.out.printf("| %s | %.1f ms | %s %.1f ms | %.2f | %s %.2f | %s | %s |%n", target, t[0] * 1e3, limitName, t[1] * 1e3,
                ratio, atMost ? "≤" : "≥", goal, met ? "yes" : "no", load());
    }

    /** n standard normal floats from r (the rows of every target and probe). */
    public static float[] gaussian(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    /** A streaming read of the rows on all cores: the least any pass over them can cost. */
    public static double stream(float[] x) {
        int parts = Runtime.getRuntime().availableProcessors() * 4;
        int len = x.length;
        return IntStream.range(0, parts).parallel().mapToDouble(p -> {
            int a = (int) ((long) len * p / parts);
            int b = (int) ((long) len * (p + 1) / parts);
            float s0 = 0;
            float s1 = 0;
            float s2 = 0;
            float s3 = 0;
            int i = a;
            for (; i + 3 < b; i += 4) {
                s0 += x[i];
                s1 += x[i + 1];
                s2 += x[i + 2];
                s3 += x[i + 3];
            }
            for (; i < b; i++) {
                s0 += x[i];
            }
            return s0 + s1 + s2 + s3;
        }).sum();
    }

    /** Target 1: centre + SYRK against one GEMM XᵀX of the same rows (twice SYRK's arithmetic). */
    private static void covariance() throws Exception {
        BLAS blas = BLAS.getInstance();
        Random r = new Random(1);
        int k = 10;
        for (int d : new int[] {128, 512, 1024, 4096}) {
            int n = d == 4096 ? 4096 : (1 << 24) / d / 2;
            float[] x = gaussian(r, n * d);
            int[] y = new int[n];
            for (int i = 0; i < n; i++) {
                y[i] = r.nextInt(k);
            }
            for (DType t : DType.values()) {
                try (Backend be = Backend.cpu(); CentredStats cs = be.centredStats(new double[k * d], k, d, t, true, false)) {
                    Batch b = Batch.of(x, n, d, y);
                    double[] res;
                    if (t == DType.FLOAT32) {
                        float[] c = new float[d * d];
                        res = pair(() -> {
                            cs.add(b);
                            return null;
                        }, () -> {
                            blas.sgemm("N", "T", d, d, n, 1f, x, d, x, d, 0f, c, d);
                            return c;
                        });
                    } else {
                        double[] xd = new double[n * d];
                        for (int i = 0; i < xd.length; i++) {
                            xd[i] = x[i];
                        }
                        double[] c = new double[d * d];
                        res = pair(() -> {
                            cs.add(b);
                            return null;
                        }, () -> {
                            blas.dgemm("N", "T", d, d, n, 1.0, xd, d, xd, d, 0.0, c, d);
                            return c;
                        });
                    }
                    row("covariance (centre + SYRK), n=" + n + ", D=" + d + ", " + t, res,
                            (t == DType.FLOAT32 ? "sgemm" : "dgemm") + " XᵀX", 1.5, true);
                    if (t == DType.FLOAT32) {
                        // The BLAS SYRK alone, uncentred (what the covariance calls after centring),
                        // against the same GEMM: how much of the ratio the centring leaves.
                        float[] part = new float[d * d];
                        float[] c = new float[d * d];
                        row("floor: BLAS ssyrk XᵀX alone (no centring), n=" + n + ", D=" + d, pair(() -> {
                            blas.ssyrk("L", "N", d, n, 1f, x, d, 0f, part, d);
                            return part;
                        }, () -> {
                            blas.sgemm("N", "T", d, d, n, 1f, x, d, x, d, 0f, c, d);
                            return c;
                        }), "sgemm XᵀX", 1.5, true);
                    }
                }
            }
        }
    }

    /** Target 2: decisions against a streaming read (K ≤ 64) and the GEMM of the scores (K ≥ 256). */
    private static void decisions() throws Exception {
        BLAS blas = BLAS.getInstance();
        double peak = Fp32Peak.gflops();
        Random r = new Random(2);
        // K = 2000, D = 128: the end-to-end shape (target 6) where the decisions are most of ncj's time.
        for (int[] kd : new int[][] {{10, 512}, {64, 512}, {256, 512}, {1024, 512}, {2000, 128}}) {
            int k = kd[0];
            int d = kd[1];
            int n = k <= 64 ? 65536 : 8192;
            float[] x = gaussian(r, n * d);
            int[] y = new int[n];
            for (int i = 0; i < n; i++) {
                y[i] = r.nextInt(k);
            }
            double[] means = new double[k * d];
            double[] w = new double[k * d];
            for (int i = 0; i < means.length; i++) {
                means[i] = r.nextGaussian();
                w[i] = r.nextGaussian();
            }
            int[] cand = IntStream.range(0, k).toArray();
            try (Backend be = Backend.cpu(); Decisions dec = be.decisions(means, w, null, cand, k, d, DType.FLOAT32)) {
                Batch b = Batch.of(x, n, d, y);
                if (k <= 64) {
                    double[] t = pair(() -> {
                        dec.add(b);
                        return null;
                    }, () -> stream(x));
                    row("decisions (NCC + linear), K=" + k + ", n=" + n + ", D=" + d, t, "streaming read", 2, true);
                    // The scores alone (2·2·n·K·D flops) at the FP32 peak: a floor under any
                    // decisions of these rows. Above the goal, the target cannot be met here.
                    double floor = 4.0 * n * k * d / (peak * 1e9);
                    double ratio = floor / t[1];
                    System.out.printf("| floor: the scores alone at the FP32 peak (%.0f GFLOP/s, same run), K=%d, n=%d, D=%d | %.1f ms |"
                                    + " streaming read %.1f ms | %.2f | ≤ 2.00 | %s | %s |%n", peak, k, n, d, floor * 1e3, t[1] * 1e3, ratio,
                            ratio > 2 ? "impossible here" : "possible only near the peak", load());
                } else {
                    double[] xd = new double[n * d];
                    for (int i = 0; i < xd.length; i++) {
                        xd[i] = x[i];
                    }
                    double[] mw = new double[2 * k * d];
                    System.arraycopy(means, 0, mw, 0, k * d);
                    System.arraycopy(w, 0, mw, k * d, k * d);
                    double[] g = new double[2 * k * n];
                    double[] t = pair(() -> {
                        dec.add(b);
                        return null;
                    }, () -> {
                        blas.dgemm("T", "N", 2 * k, n, d, 1.0, mw, d, xd, d, 0.0, g, 2 * k);
                        return g;
                    });
                    // A rate ratio: GEMM time / decisions time (both do 2·2·n·K·D flops).
                    double[] inv = {t[1], t[0]};
                    double ratio = inv[0] / inv[1];
                    System.out.printf("| decisions (NCC + linear), K=%d, n=%d, D=%d | %.1f ms (%.1f GFLOP/s) | dgemm of the scores %.1f ms"
                                    + " (%.1f GFLOP/s) | %.2f of the GEMM rate | ≥ 0.50 | %s | %s |%n", k, n, d, t[0] * 1e3,
                            4.0 * n * k * d / t[0] / 1e9, t[1] * 1e3, 4.0 * n * k * d / t[1] / 1e9, ratio, ratio >= 0.5 ? "yes" : "no",
                            load());
                }
            }
        }
    }

    /** Target 3: class sums and variance norms against a streaming read of the same rows. */
    private static void sums() throws Exception {
        Random r = new Random(3);
        int d = 512;
        int n = 131072;
        float[] x = gaussian(r, n * d);
        for (int k : new int[] {10, 1000}) {
            int[] y = new int[n];
            for (int i = 0; i < n; i++) {
                y[i] = r.nextInt(k);
            }
            Batch b = Batch.of(x, n, d, y);
            // Means of the rows' scale, not zeros: a zero table would flatter the fixed-point one.
            double[] means = new double[k * d];
            for (int i = 0; i < means.length; i++) {
                means[i] = 0.1 * r.nextGaussian();
            }
            try (Backend be = Backend.cpu(); ClassSums s = be.classSums(k, d, DType.FLOAT32);
                 CentredStats v = be.centredStats(means, k, d, DType.FLOAT32, false, true)) {
                row("class sums, K=" + k + ", n=" + n + ", D=" + d + ", float32", pair(() -> {
                    s.add(b);
                    return null;
                }, () -> stream(x)), "streaming read", 1.5, true);
                row("variance norms (finite check fused), K=" + k + ", n=" + n + ", D=" + d + ", float32", pair(() -> {
                    v.add(b);
                    return null;
                }, () -> stream(x)), "streaming read", 1.5, true);
            }
        }
    }

    /**
     * The fused second pass (WithinClassAccumulator: each batch staged and centred once) against
     * the separate Covar and VarNorm accumulators (twice) on the same batches about the same means.
     */
    private static void secondPass() throws Exception {
        int k = 100;
        int d = 512;
        int n = 200_000;
        int batch = 4096;
        Random r = new Random(7);
        int batches = (n + batch - 1) / batch;
        float[][] xs = new float[batches][];
        int[][] ys = new int[batches][];
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
        try (Backend be = Backend.cpu(); MeanAccumulator m = new MeanAccumulator(k, d, be, DType.FLOAT32)) {
            for (int b = 0; b < batches; b++) {
                m.accumulate(xs[b], ys[b]);
            }
            Means means = m.compute();
            double[] t = pair(() -> {
                try (WithinClassAccumulator w = new WithinClassAccumulator(be, means)) {
                    for (int b = 0; b < batches; b++) {
                        w.accumulate(xs[b], ys[b], means);
                    }
                    return new Object[] {w.covariance(), w.varNorms()};
                }
            }, () -> {
                try (CovarAccumulator c = new CovarAccumulator(be, means); VarNormAccumulator v = new VarNormAccumulator(be, means)) {
                    for (int b = 0; b < batches; b++) {
                        c.accumulate(xs[b], ys[b], means);
                        v.accumulate(xs[b], ys[b], means);
                    }
                    return new Object[] {c.compute(), v.compute()};
                }
            });
            row("fused second pass (WithinClassAccumulator), n=" + n + ", D=" + d + ", K=" + k + ", batches of " + batch, t,
                    "Covar + VarNorm accumulators", 1.0, true);
        }
    }

    /**
     * Target 4: one pass (ClassStatistics) against two passes (means, then the fused second pass)
     * of the library's {@link Analysis} over the same rows in memory, each with its measures.
     */
    private static void passes() throws Exception {
        int k = 100;
        int d = 512;
        int n = 200_000;
        int batch = 4096;
        Random r = new Random(7);
        float[] x = new float[n * d];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(k);
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) (y[i] * 0.01 + r.nextGaussian());
            }
        }
        Analysis.Inputs in = Analysis.Inputs.train(Analysis.Data.of("x", x, d, "y", y)).withClasses(k);
        double[] t = pair(() -> {
            try (Backend be = Backend.cpu();
                 Analysis a = Analysis.builder().backend(be).dtype(DType.FLOAT32).batchRows(batch).onePass(true).build()) {
                return a.run(in);
            }
        }, () -> {
            try (Backend be = Backend.cpu();
                 Analysis a = Analysis.builder().backend(be).dtype(DType.FLOAT32).batchRows(batch).build()) {
                return a.run(in);
            }
        });
        row("one pass (ClassStatistics), n=" + n + ", D=" + d + ", K=" + k + ", batches of " + batch, t, "two passes", 1.1, true);
    }
}
