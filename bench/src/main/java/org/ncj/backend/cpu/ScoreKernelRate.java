package org.ncj.backend.cpu;

import java.util.Random;

import org.ncj.bench.Fp32Peak;
import org.ncj.bench.Targets;

/**
 * Why the decisions at K = 10 stay above 2 × a streaming read (issue #13, target 2): the rate of
 * their score kernel {@link SimdRows#scoresTall} (4 × 4 float32 tiles; 20 candidate columns, K
 * means and K classifier rows, 20·D·4 bytes: 40 KB at D = 512) on rows that stay in L1 (4 rows),
 * in L2 (256 rows), and streamed from memory in the decisions' 256-row blocks (65,536 rows, all
 * cores), against the FP32 peak {@link Fp32Peak} measured in the same run; for the streamed rows
 * also the time × a streaming read of them ({@link Targets#stream}). The scores take 2·n·20·D
 * flops: at the kernel's in-cache rate they alone take more than the 2 × read that target 2
 * allows on this machine, before the norms, scans and tolerances (figures: {@code bench/RESULTS.md}).
 * In the library's package to reach the package-private kernel.
 *
 * <p>Usage: {@code ScoreKernelRate [D] [rounds]} (default 512, 6), with the Vector API module.
 */
public final class ScoreKernelRate {
    private ScoreKernelRate() {
    }

    public static void main(String[] args) throws Exception {
        int d = args.length > 0 ? Integer.parseInt(args[0]) : 512;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        int m = 20;
        int block = 256;
        int n = 65536;
        Random r = new Random(7);
        float[] x = Targets.gaussian(r, n * d);
        float[] v = Targets.gaussian(r, m * d);
        int tasks = Runtime.getRuntime().availableProcessors();
        float[][] g = new float[Math.max(tasks, n / block)][block * m];
        // Compiled before it is timed (the first in-cache round otherwise runs in the interpreter).
        for (int q = 0; q < 20_000; q++) {
            SimdRows.scoresTall(x, 0, 4, d, v, 0, m, g[0]);
        }
        System.out.printf("# FP32 peak (Fp32Peak, same run): %.0f GFLOP/s; %d candidates, D = %d%n", Fp32Peak.gflops(), m, d);
        for (int round = 0; round < rounds; round++) {
            StringBuilder line = new StringBuilder("round " + round + ":");
            for (int rows : new int[] {4, block}) {
                // Each task scores its own copy of the same rows again and again: they stay in cache.
                long reps = Math.max(1, 400_000_000L / ((long) rows * m * d));
                long t0 = System.nanoTime();
                CpuBackend.parallelFor(tasks, p -> {
                    for (long q = 0; q < reps; q++) {
                        SimdRows.scoresTall(x, p * rows * d, rows, d, v, 0, m, g[p]);
                    }
                });
                double s = (System.nanoTime() - t0) * 1e-9;
                line.append(String.format(" %d rows (in %s) %.0f GFLOP/s;", rows, rows == 4 ? "L1" : "L2",
                        2.0 * tasks * reps * rows * m * d / s * 1e-9));
            }
            double[] t = Targets.alternate(10, () -> {
                CpuBackend.parallelFor(n / block, b -> SimdRows.scoresTall(x, b * block * d, block, d, v, 0, m, g[b]));
                return null;
            }, () -> Targets.stream(x));
            line.append(String.format(" %d rows from memory %.0f GFLOP/s, %.2f × the read (%.1f / %.1f ms)", n,
                    2.0 * n * m * d / t[0] * 1e-9, t[0] / t[1], t[0] * 1e3, t[1] * 1e3));
            System.out.println(line);
        }
    }
}
