package org.ncj.bench;

import java.util.Arrays;
import java.util.Random;

import org.ncj.DType;
import org.ncj.backend.Backend;
import org.ncj.backend.Batch;
import org.ncj.backend.ClassSums;

/**
 * Why the class sums sit near 1.5 × a streaming read at K = 10 (issue #13, target 3): the library's
 * class-sums pass ({@link ClassSums#add}, the streamed pass: each chunk of rows adds every row into
 * a float64 partial row of its class) on the same float32 rows, D = 512, n = 131,072, with random
 * labels of K classes for each K given, each timed alternately with a streaming read of the rows
 * ({@link Targets#stream}). A chunk's partials take K × D × 8 bytes (4 KB a class at D = 512), and
 * a 4 KB partial row is read and written per 2 KB row of data: the excess over the read grows with
 * the partials as they outgrow the L1 beside the streamed rows (figures: {@code bench/RESULTS.md},
 * eighth session).
 *
 * <p>Usage: {@code ClassSumsTableSweep [rounds] [K ...]} (default 6 rounds, K = 1 2 4 6 8 10 16),
 * with the Vector API module as {@code bench/run-targets-cpu.sh} runs Targets: prints each
 * round's ratios, then each K's range.
 */
public final class ClassSumsTableSweep {
    private ClassSumsTableSweep() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 6;
        int[] ks = args.length > 1 ? Arrays.stream(args, 1, args.length).mapToInt(Integer::parseInt).toArray()
                : new int[] {1, 2, 4, 6, 8, 10, 16};
        int d = 512;
        int n = 131072;
        Random r = new Random(3);
        float[] x = Targets.gaussian(r, n * d);
        Batch[] batches = new Batch[ks.length];
        for (int v = 0; v < ks.length; v++) {
            int[] y = new int[n];
            for (int i = 0; i < n; i++) {
                y[i] = r.nextInt(ks[v]);
            }
            batches[v] = Batch.of(x, n, d, y);
        }
        double[][] ratio = new double[ks.length][rounds];
        try (Backend be = Backend.cpu()) {
            System.out.println("# class sums × a streaming read of the same " + n + " × " + d + " float32 rows; backend: "
                    + be.description());
            for (int round = 0; round < rounds; round++) {
                StringBuilder line = new StringBuilder("round " + round + ":");
                for (int v = 0; v < ks.length; v++) {
                    Batch b = batches[v];
                    try (ClassSums s = be.classSums(ks[v], d, DType.FLOAT32)) {
                        double[] t = Targets.alternate(10, () -> {
                            s.add(b);
                            return null;
                        }, () -> Targets.stream(x));
                        ratio[v][round] = t[0] / t[1];
                        line.append(String.format(" K=%d (%d KB) %.2f (read %.1f ms)", ks[v], ks[v] * d * 8 / 1024, ratio[v][round],
                                t[1] * 1e3));
                    }
                }
                System.out.println(line);
            }
        }
        for (int v = 0; v < ks.length; v++) {
            System.out.printf("K = %d, partials %d KB a chunk: %.2f–%.2f × the read%n", ks[v], ks[v] * d * 8 / 1024,
                    Arrays.stream(ratio[v]).min().getAsDouble(), Arrays.stream(ratio[v]).max().getAsDouble());
        }
    }
}
