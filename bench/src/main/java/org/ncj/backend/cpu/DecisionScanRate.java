package org.ncj.backend.cpu;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/**
 * Nanoseconds per score of the decisions' scans of one cache-resident score block (issue #13,
 * target 6): the float32 scans {@link CpuDecisions#nearestScan} and {@link CpuDecisions#linearScan}
 * against the float64 best/runner-up scan {@link CpuDecisions#scanGeneral} they replace for blocks
 * of 32 candidates or more, on the same block (rows × 2 × candidates, each row's scores
 * contiguous, as the wide {@code sgemm} writes them). In the library's package to reach those
 * package-private kernels. Best of 7 rounds each, on one thread; rerun with
 * {@code -XX:-UseSuperWord} to see what the JIT's vectorisation gives.
 *
 * <p>Usage: {@code DecisionScanRate [rows] [candidates] [iterations]} (default 128 1024 2000).
 */
public final class DecisionScanRate {
    private DecisionScanRate() {
    }

    public static void main(String[] args) throws Exception {
        int nr = args.length > 0 ? Integer.parseInt(args[0]) : 128;
        int nq = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
        int iters = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
        Random rnd = new Random(5);
        float[] g = new float[2 * nq * nr];
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) (100 * rnd.nextGaussian());
        }
        double[] mu2 = new double[nq];
        double[] bc = new double[nq];
        float[] hf = new float[nq];
        float[] bf = new float[nq];
        for (int q = 0; q < nq; q++) {
            mu2[q] = 1000 + rnd.nextGaussian();
            bc[q] = rnd.nextGaussian();
            hf[q] = (float) mu2[q];
            bf[q] = (float) bc[q];
        }
        double[] n1 = new double[nr];
        double[] n2 = new double[nr];
        double[] l1 = new double[nr];
        double[] l2 = new double[nr];
        int[] bn = new int[nr];
        int[] bl = new int[nr];
        boolean[] bad = new boolean[nr];
        float[] best = new float[1];
        double t = 1e-3;
        long sink = 0;
        for (String kernel : new String[] {"float64 best/runner-up (scanGeneral)", "float32 best + count (nearestScan + linearScan)"}) {
            boolean f32 = kernel.startsWith("float32");
            double bestNs = Double.MAX_VALUE;
            for (int round = 0; round < 7; round++) {
                long t0 = System.nanoTime();
                for (int it = 0; it < iters; it++) {
                    if (f32) {
                        for (int r = 0; r < nr; r++) {
                            int o = r * 2 * nq;
                            sink += CpuDecisions.nearestScan(g, o, hf, 0, nq, t, best);
                            sink += CpuDecisions.linearScan(g, o + nq, bf, 0, nq, t, best);
                        }
                    } else {
                        Arrays.fill(n1, Double.POSITIVE_INFINITY);
                        Arrays.fill(n2, Double.POSITIVE_INFINITY);
                        Arrays.fill(l1, Double.NEGATIVE_INFINITY);
                        Arrays.fill(l2, Double.NEGATIVE_INFINITY);
                        for (int r = 0; r < nr; r++) {
                            CpuDecisions.scanGeneral(g, r * 2 * nq, 1, mu2, bc, 0, nq, r, n1, n2, bn, l1, l2, bl, bad);
                        }
                        sink += bn[0] + bl[1];
                    }
                }
                bestNs = Math.min(bestNs, (double) (System.nanoTime() - t0) / iters / (2.0 * nq * nr));
            }
            System.out.printf("%s, %d rows × 2 × %d candidates: %.3f ns per score (load %s)%n", kernel, nr, nq, bestNs,
                    Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        }
        System.out.println("# checksum " + sink);
    }
}
