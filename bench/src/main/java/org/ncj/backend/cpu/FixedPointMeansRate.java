package org.ncj.backend.cpu;

import java.util.Arrays;
import java.util.Random;

import org.ncj.bench.Targets;

/**
 * Where the float32 variance norms' fixed-point means pay on this machine
 * ({@link FixedPointMeans#pays}, issue #13, target 3): the same rows' squared deviations from
 * their class means through the float64 mean table ({@link SimdRows#squaredDeviation}) and
 * through the 31-bit fixed-point table ({@link SimdRows#squaredDeviationFixed}), 256-row blocks on
 * all cores, each × a streaming read of the rows ({@link Targets#stream}), for one K and D. The
 * policy's thresholds (the int table fits L1, or not even L2) come from this machine's runs
 * ({@code bench/RESULTS.md}, seventh session); run it on another machine to check them there.
 * In the library's package to reach the package-private kernels.
 *
 * <p>Usage: {@code FixedPointMeansRate K D [rounds]} (rounds default 5), with the Vector API
 * module. The rows are 64 MB (131,072 × 512 floats) whatever D is.
 */
public final class FixedPointMeansRate {
    private static final int BLOCK = 256;

    private FixedPointMeansRate() {
    }

    public static void main(String[] args) throws Exception {
        int k = Integer.parseInt(args[0]);
        int d = Integer.parseInt(args[1]);
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int n = 131072 * 512 / d;
        Random r = new Random(1);
        float[] x = Targets.gaussian(r, n * d);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(k);
        }
        // Means of the rows' scale, as Targets' variance-norm row: zeros would make the fixed point exact.
        double[] means = new double[k * d];
        for (int i = 0; i < means.length; i++) {
            means[i] = 0.1 * r.nextGaussian();
        }
        FixedPointMeans f = new FixedPointMeans(k, d);
        f.set(means);
        int[] table = f.table();
        double[] out = new double[n];
        double[][] ratio = new double[2][rounds];
        for (int round = 0; round < rounds; round++) {
            for (int kind = 0; kind < 2; kind++) {
                boolean fixed = kind == 1;
                double[] t = Targets.alternate(10, () -> {
                    CpuBackend.parallelFor((n + BLOCK - 1) / BLOCK, b -> {
                        double[] lanes = new double[SimdRows.lanes()];
                        for (int i = b * BLOCK; i < Math.min(n, (b + 1) * BLOCK); i++) {
                            int c = y[i];
                            out[i] = fixed ? SimdRows.squaredDeviationFixed(x, i * d, table, c * d, f.unit(c), d, lanes)
                                    : SimdRows.squaredDeviation(x, i * d, means, c * d, d, lanes);
                        }
                    });
                    return null;
                }, () -> Targets.stream(x));
                ratio[kind][round] = t[0] / t[1];
            }
            System.out.printf("round %d: float64 table %.2f, fixed point %.2f × the read%n", round, ratio[0][round], ratio[1][round]);
        }
        System.out.printf("K = %d, D = %d: float64 table (%d KB) %.2f–%.2f, fixed point (%d KB) %.2f–%.2f × the read; "
                + "FixedPointMeans.pays: %b%n", k, d, k * d * 8 / 1024, min(ratio[0]), max(ratio[0]), k * d * 4 / 1024,
                min(ratio[1]), max(ratio[1]), FixedPointMeans.pays(k, d));
    }

    private static double min(double[] a) {
        return Arrays.stream(a).min().getAsDouble();
    }

    private static double max(double[] a) {
        return Arrays.stream(a).max().getAsDouble();
    }
}
