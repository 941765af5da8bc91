package org.ncj.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.JavaBLAS;

import org.junit.jupiter.api.Test;
import org.ncj.backend.Batch;

/**
 * The {@code dgemm} decisions against the direct float64 loops: the same decisions on every row, including exact ties (duplicated candidates) and rows equidistant from two centres, where
 * the GEMM form's rounding differs from the direct one and only the recheck keeps them equal.
 */
class CpuDecisionsTest {

    /** The native BLAS where installed (the production path), else netlib's Java BLAS. */
    private static List<BLAS> blases() {
        List<BLAS> out = new ArrayList<>();
        out.add(JavaBLAS.getInstance());
        if (CpuSyrk.blas() != null) {
            out.add(CpuSyrk.blas());
        }
        return out;
    }

    private static double[] gaussian(Random r, int n, double scale) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = scale * r.nextGaussian();
        }
        return a;
    }

    private static void check(double[] means, double[] weights, double[] bias, int[] cand, int k, int d, float[] x, int[] y) {
        check(means, weights, bias, cand, k, d, x, y, 1, 7, 1024);
    }

    private static void check(double[] means, double[] weights, double[] bias, int[] cand, int k, int d, float[] x, int[] y,
            int... blocks) {
        CpuDecisions direct = new CpuDecisions(means, weights, bias, cand, k, d, null, 1);
        assertFalse(direct.usesGemm());
        direct.add(Batch.of(x, y.length, d, y));
        for (BLAS blas : blases()) {
            for (int block : blocks) {
                // Tall score blocks from the BLAS and from the Vector API kernel (when this JVM has it).
                for (boolean simd : Simd.ENABLED ? new boolean[] {false, true} : new boolean[] {false}) {
                    CpuDecisions gemm = new CpuDecisions(means, weights, bias, cand, k, d, blas, block, simd);
                    assertTrue(gemm.usesGemm());
                    gemm.add(Batch.of(x, y.length, d, y));
                    String what = blas.getClass().getSimpleName() + (simd ? " (Vector API tall scores)" : "") + ", candidate block "
                            + block + ", c = " + cand.length + ", d = " + d;
                    assertArrayEquals(direct.counts(), gemm.counts(), what);
                    assertArrayEquals(direct.hits(), gemm.hits(), what);
                    int[][] want = direct.decide(x, y.length);
                    int[][] got = gemm.decide(x, y.length);
                    assertArrayEquals(want[0], got[0], "nearest centres, " + what);
                    assertArrayEquals(want[1], got[1], "linear decisions, " + what);
                }
            }
        }
    }

    @Test
    void randomShapesAgreeWithTheDirectLoops() {
        Random r = new Random(3);
        // D = 2051: 64 rows per task of the tall Vector API kernel, so n = 130 spans three.
        for (int d : new int[] {1, 5, 67, 2051}) {
            for (int c : new int[] {1, 2, 3, 33, 70}) {
                int k = c + 5;
                double[] means = gaussian(r, k * d, 1);
                double[] weights = gaussian(r, k * d, 1);
                // Candidates: every other class from 1 (a subset, ascending), up to c of them.
                int[] cand = java.util.stream.IntStream.range(0, k).filter(i -> i % 2 == 1 || i >= 2 * c).limit(c).toArray();
                for (double[] bias : new double[][] {null, gaussian(r, k, 0.5)}) {
                    for (int n : new int[] {0, 1, 130}) {
                        float[] x = new float[n * d];
                        int[] y = new int[n];
                        for (int i = 0; i < n; i++) {
                            y[i] = cand[r.nextInt(cand.length)];
                            for (int j = 0; j < d; j++) {
                                x[i * d + j] = (float) (means[y[i] * d + j] + 0.8 * r.nextGaussian());
                            }
                        }
                        check(means, weights, bias, cand, k, d, x, y);
                    }
                }
            }
        }
    }

    @Test
    void tiesAndNearTiesAreDecidedLikeTheDirectLoops() {
        Random r = new Random(8);
        int d = 33;
        int k = 40;
        double[] means = gaussian(r, k * d, 3);
        double[] weights = gaussian(r, k * d, 1);
        // Exact ties: class 9 duplicates class 4 (means and weights), class 30 duplicates 20.
        System.arraycopy(means, 4 * d, means, 9 * d, d);
        System.arraycopy(weights, 4 * d, weights, 9 * d, d);
        System.arraycopy(means, 20 * d, means, 30 * d, d);
        System.arraycopy(weights, 20 * d, weights, 30 * d, d);
        int[] cand = java.util.stream.IntStream.range(0, k).toArray();
        int n = 400;
        float[] x = new float[n * d];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            int a = r.nextInt(k);
            int b = r.nextInt(k);
            y[i] = a;
            for (int j = 0; j < d; j++) {
                // Rows near the midpoint of two centres (float rounding decides which is nearer),
                // rows exactly on a duplicated centre, and ordinary rows.
                double v = switch (i % 3) {
                    case 0 -> 0.5 * (means[a * d + j] + means[b * d + j]);
                    case 1 -> means[(i % 2 == 0 ? 4 : 20) * d + j];
                    default -> means[a * d + j] + r.nextGaussian();
                };
                x[i * d + j] = (float) v;
            }
        }
        check(means, weights, null, cand, k, d, x, y);
        // Linear near ties: two weight rows that differ in the last bits.
        for (int j = 0; j < d; j++) {
            weights[12 * d + j] = Math.nextUp(weights[11 * d + j]);
        }
        check(means, weights, gaussian(r, k, 1e-18), cand, k, d, x, y);
    }

    @Test
    void centresFarFromTheOriginAreDecidedLikeTheDirectLoops() {
        // ‖μ‖² − 2x·μ cancels catastrophically here (‖μ‖² ~ 1e18·D, so rounding ~ 1e3·D, against
        // gaps ~ 1e2·D): without the recheck the GEMM form picks other centres for most rows. The
        // classifier w_c = μ_c, b_c = −‖μ_c‖²/2 cancels as badly on the linear side.
        Random r = new Random(21);
        int d = 24;
        int k = 50;
        double[] means = gaussian(r, k * d, 2);
        for (int i = 0; i < means.length; i++) {
            means[i] += 1e9;
        }
        double[] bias = new double[k];
        for (int c = 0; c < k; c++) {
            for (int j = 0; j < d; j++) {
                bias[c] -= 0.5 * means[c * d + j] * means[c * d + j];
            }
        }
        int[] cand = java.util.stream.IntStream.range(0, k).toArray();
        int n = 300;
        float[] x = new float[n * d];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(k);
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) (means[y[i] * d + j] + 2 * r.nextGaussian());
            }
        }
        check(means, means, bias, cand, k, d, x, y);
    }

    @Test
    void centresFloat32CannotTellApartAreDecidedLikeTheDirectLoops() {
        // The screen rounds means and weights to float32: here they differ only below float32's
        // precision (relative 1e-9), so the screened scores of most candidates tie or cross, and
        // the recheck must evaluate every candidate the bound cannot exclude, lowest index first.
        Random r = new Random(31);
        for (int d : new int[] {1, 3, 40}) {
            for (int c : new int[] {1, 2, 3, 17}) {
                double[] base = gaussian(r, d, 1);
                double[] means = new double[c * d];
                double[] weights = new double[c * d];
                for (int q = 0; q < c; q++) {
                    for (int j = 0; j < d; j++) {
                        means[q * d + j] = base[j] * (1 + 1e-9 * r.nextGaussian());
                        weights[q * d + j] = base[j] * (1 + 1e-9 * r.nextGaussian());
                    }
                }
                // Duplicates too: candidate 0 again at the end (an exact tie with the lowest index).
                if (c > 2) {
                    System.arraycopy(means, 0, means, (c - 1) * d, d);
                    System.arraycopy(weights, 0, weights, (c - 1) * d, d);
                }
                int[] cand = java.util.stream.IntStream.range(0, c).toArray();
                int n = 200;
                float[] x = new float[n * d];
                int[] y = new int[n];
                for (int i = 0; i < n; i++) {
                    y[i] = r.nextInt(c);
                    for (int j = 0; j < d; j++) {
                        x[i * d + j] = (float) (base[j] + (i % 2 == 0 ? 1e-6 : 1) * r.nextGaussian());
                    }
                }
                check(means, weights, null, cand, c, d, x, y);
                check(means, weights, gaussian(r, c, 1e-12), cand, c, d, x, y);
            }
        }
    }

    @Test
    void valuesBeyondFloat32RangeOrBelowItsNormalsAreDecidedLikeTheDirectLoops() {
        // Means and weights that overflow float32 (their screened scores are ±∞ or NaN), and rows
        // and centres in float32's subnormal range (the screen's products underflow): the
        // decisions must still be the direct float64 ones.
        Random r = new Random(41);
        int d = 9;
        int k = 6;
        int[] cand = java.util.stream.IntStream.range(0, k).toArray();
        for (double scale : new double[] {1e39, 1e-40, 1e-44}) {
            double[] means = gaussian(r, k * d, scale);
            double[] weights = gaussian(r, k * d, scale);
            int n = 120;
            float[] x = new float[n * d];
            int[] y = new int[n];
            float xs = (float) Math.min(scale, 1e30);
            for (int i = 0; i < n; i++) {
                y[i] = r.nextInt(k);
                for (int j = 0; j < d; j++) {
                    x[i * d + j] = (float) (xs * r.nextGaussian());
                }
            }
            check(means, weights, null, cand, k, d, x, y);
            check(means, weights, gaussian(r, k, scale), cand, k, d, x, y);
        }
    }

    @Test
    void float32ScansAcrossCandidateBlocksAgreeWithTheDirectLoops() {
        // 300 candidates in blocks of 32, 45 (the last one narrower) and one of 300: the float32
        // scan of contiguous rows. Exact ties across blocks (class 290 duplicates 4, 151 duplicates
        // 150, the first in one block and the second in the next), rows on the midpoint of two
        // centres in different blocks, rows beyond the float32 scan's bound (‖x‖ ~ 1e31, scanned
        // in float64), NaN rows and ordinary rows, all in the same tasks.
        Random r = new Random(61);
        int d = 19;
        int k = 310;
        double[] means = gaussian(r, k * d, 3);
        double[] weights = gaussian(r, k * d, 1);
        for (int[] dup : new int[][] {{4, 290}, {150, 151}}) {
            System.arraycopy(means, dup[0] * d, means, dup[1] * d, d);
            System.arraycopy(weights, dup[0] * d, weights, dup[1] * d, d);
        }
        // Candidates: every class but 0..9 (so that candidate and class indices differ).
        int[] cand = java.util.stream.IntStream.range(10, k).toArray();
        int n = 500;
        float[] x = new float[n * d];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            int a = cand[r.nextInt(cand.length)];
            int b = cand[r.nextInt(cand.length)];
            y[i] = a;
            for (int j = 0; j < d; j++) {
                double v = switch (i % 6) {
                    case 0 -> 0.5 * (means[a * d + j] + means[b * d + j]);
                    case 1 -> means[(i % 4 == 1 ? 290 : 151) * d + j];
                    case 2 -> 1e31 * r.nextGaussian();
                    case 3 -> i % 12 == 3 && j == d / 2 ? Double.NaN : means[a * d + j] + r.nextGaussian();
                    default -> means[a * d + j] + 0.7 * r.nextGaussian();
                };
                x[i * d + j] = (float) v;
            }
        }
        for (BLAS blas : blases()) {
            for (int block : new int[] {32, 45, 300}) {
                CpuDecisions dec = new CpuDecisions(means, weights, null, cand, k, d, blas, block);
                assertTrue(dec.scansFloat32());
                assertTrue(dec.scansFloat32(CpuDecisions.squaredNorm(x, 4 * d, d)), "an ordinary row takes the float32 scan");
                assertFalse(dec.scansFloat32(CpuDecisions.squaredNorm(x, 2 * d, d)), "a row of norm 1e31 takes the float64 scan");
                assertFalse(dec.scansFloat32(CpuDecisions.squaredNorm(x, 3 * d, d)), "a NaN row takes the float64 scan");
            }
        }
        check(means, weights, null, cand, k, d, x, y, 7, 32, 45, 300);
        check(means, weights, gaussian(r, k, 0.5), cand, k, d, x, y, 32, 45, 300);
        // Near ties on the linear side: weight rows that differ in the last bits, in different blocks.
        for (int j = 0; j < d; j++) {
            weights[200 * d + j] = Math.nextUp(weights[20 * d + j]);
        }
        check(means, weights, gaussian(r, k, 1e-18), cand, k, d, x, y, 32, 45, 300);
    }

    @Test
    void aRowsDecisionDoesNotDependOnTheRowsBatchedWithIt() {
        // Rows are split into row blocks and tasks by the batch size and the core count; each
        // row's decision must be the same whichever rows share its block or task (the
        // deterministic mode's guarantee across thread counts rests on it).
        Random r = new Random(81);
        int d = 23;
        int k = 120;
        double[] means = gaussian(r, k * d, 2);
        double[] weights = gaussian(r, k * d, 1);
        System.arraycopy(means, 7 * d, means, 90 * d, d);
        int[] cand = java.util.stream.IntStream.range(0, k).toArray();
        int n = 1500;
        float[] x = new float[n * d];
        for (int i = 0; i < n; i++) {
            int a = r.nextInt(k);
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) (i % 5 == 0 ? means[7 * d + j] : means[a * d + j] + r.nextGaussian());
            }
        }
        for (BLAS blas : blases()) {
            for (int block : new int[] {32, 1024}) {
                CpuDecisions dec = new CpuDecisions(means, weights, null, cand, k, d, blas, block);
                int[][] all = dec.decide(x, n);
                for (int size : new int[] {1, 7, 130, 1499}) {
                    for (int r0 = 0; r0 < n; r0 += size) {
                        int m = Math.min(size, n - r0);
                        int[][] part = dec.decide(java.util.Arrays.copyOfRange(x, r0 * d, (r0 + m) * d), m);
                        for (int i = 0; i < m; i++) {
                            assertEquals(all[0][r0 + i], part[0][i], "nearest centre of row " + (r0 + i) + " in batches of " + size);
                            assertEquals(all[1][r0 + i], part[1][i], "linear decision of row " + (r0 + i) + " in batches of " + size);
                        }
                    }
                }
            }
        }
    }

    @Test
    void theFloat32ScansLimitsAreStrictlyBeyondTheBestAndTheTolerance() {
        // A score below above(v, t) is treated as within t of v; at or above it, as not: the limit
        // must never fall below v + t, and must exclude v itself never (strictly above it), even
        // where t is below half an ulp of v.
        Random r = new Random(71);
        for (int i = 0; i < 10000; i++) {
            float v = (float) (Math.scalb(r.nextGaussian(), r.nextInt(200) - 100));
            double t = Math.scalb(r.nextDouble(), r.nextInt(260) - 180);
            float up = CpuDecisions.above(v, t);
            float down = CpuDecisions.below(v, t);
            // The contract: at or beyond the float64 v ± t, and strictly beyond v.
            assertTrue(up >= v + t, v + " + " + t + " -> " + up);
            assertTrue(down <= v - t, v + " - " + t + " -> " + down);
            assertTrue(up > v, v + " + " + t + " -> " + up);
            assertTrue(down < v, v + " - " + t + " -> " + down);
        }
        assertEquals(Math.nextUp(1f), CpuDecisions.above(1f, 1e-30));
        assertEquals(Math.nextDown(1f), CpuDecisions.below(1f, 1e-30));
        assertEquals(3f, CpuDecisions.above(1f, 2));
        assertEquals(Math.nextUp(1f + 0x1p-23f), CpuDecisions.above(1f, 0x1p-23 + 0x1p-40));
    }

    @Test
    void theFloat32ScansToleranceCoversTheFloat64Ones() {
        // The float32 scan rounds ‖μ‖², b and the subtraction to float32 on top of the GEMM:
        // its bound is at least the float64 scan's at every scale, and grows with the norms.
        for (int d : new int[] {1, 16, 128, 4096}) {
            for (double s : new double[] {0, 1e-30, 1, 1e20}) {
                assertTrue(CpuDecisions.nccTolerance32(d, s, 2 * s) >= CpuDecisions.nccTolerance(d, s, 2 * s), d + " " + s);
                assertTrue(CpuDecisions.linTolerance32(d, s, 2 * s, 3 * s) >= CpuDecisions.linTolerance(d, s, 2 * s, 3 * s), d + " " + s);
            }
            // ‖μ‖² alone (x = 0): at least 3u₃₂‖μ‖² from rounding it and the subtraction to float32, doubled.
            assertTrue(CpuDecisions.nccTolerance32(d, 0, 1) >= 2 * 3 * 0x1p-24);
            assertTrue(CpuDecisions.linTolerance32(d, 0, 0, 1) >= 2 * 3 * 0x1p-24);
        }
    }

    @Test
    void theTallScansGiveEachRowWhatTheRowScanGives() {
        // The tall layout (candidate q's scores of all rows contiguous) scanned for all rows at
        // once must give every row the best score and candidate (or −1) of the per-row scan of
        // the same scores: on ties, near ties within the tolerance, rows counts that are not
        // vector multiples and candidate blocks that do not start at 0.
        Random r = new Random(61);
        int[] seen = new int[2];
        for (int nr : new int[] {1, 3, 17, 64, 100}) {
            for (int nq : new int[] {1, 2, 3, 10, 31}) {
                int q0 = 5;
                float[] hf = new float[q0 + nq];
                float[] bf = new float[q0 + nq];
                for (int q = 0; q < hf.length; q++) {
                    hf[q] = (float) r.nextGaussian();
                    bf[q] = (float) r.nextGaussian();
                }
                int lin0 = nq * nr;
                float[] tall = new float[2 * nq * nr];
                double[] tn = new double[nr];
                double[] tl = new double[nr];
                for (int row = 0; row < nr; row++) {
                    tn[row] = row % 3 == 0 ? 0 : 1e-3;
                    tl[row] = row % 3 == 1 ? 0 : 1e-3;
                    for (int q = 0; q < nq; q++) {
                        // Every fourth row has its scores on a coarse grid: exact ties.
                        float v = (float) r.nextGaussian();
                        float w = (float) r.nextGaussian();
                        if (row % 4 == 0) {
                            v = Math.round(v * 2) / 2f;
                            w = Math.round(w * 2) / 2f;
                        }
                        tall[q * nr + row] = v;
                        tall[lin0 + q * nr + row] = w;
                    }
                    if (row % 4 == 1 && nq > 1) {
                        // a runner-up within 1e-4 of the best ncc and linear score
                        tall[nr + row] = tall[row] + 5e-5f * (hf[q0] - hf[q0 + 1]) / 2 + (hf[q0 + 1] - hf[q0]) / 2;
                        tall[lin0 + nr + row] = tall[lin0 + row] + bf[q0] - bf[q0 + 1] - 5e-5f;
                    }
                }
                float[] bn = new float[nr];
                int[] an = new int[nr];
                float[] bl = new float[nr];
                int[] al = new int[nr];
                CpuDecisions.nearestScanTall(tall, nr, hf, q0, nq, tn, bn, an, new float[nr], new int[nr]);
                CpuDecisions.linearScanTall(tall, lin0, nr, bf, q0, nq, tl, bl, al, new float[nr], new int[nr]);
                float[] rowScores = new float[2 * nq];
                float[] best = new float[1];
                for (int row = 0; row < nr; row++) {
                    for (int q = 0; q < nq; q++) {
                        rowScores[q] = tall[q * nr + row];
                        rowScores[nq + q] = tall[lin0 + q * nr + row];
                    }
                    String at = "nr = " + nr + ", nq = " + nq + ", row " + row;
                    int want = CpuDecisions.nearestScan(rowScores, 0, hf, q0, nq, tn[row], best);
                    assertEquals(want, an[row], "ncc candidate, " + at);
                    assertEquals(best[0], bn[row], "ncc best, " + at);
                    want = CpuDecisions.linearScan(rowScores, nq, bf, q0, nq, tl[row], best);
                    assertEquals(want, al[row], "linear candidate, " + at);
                    assertEquals(best[0], bl[row], "linear best, " + at);
                    seen[an[row] < 0 ? 0 : 1]++;
                }
            }
        }
        assertTrue(seen[0] > 0 && seen[1] > 0, "rows left undecided and rows decided: " + seen[0] + ", " + seen[1]);
    }

    @Test
    void squaredNormIsWithinTheTolerancesSlackAtEveryScale() {
        // The tolerances take ‖x‖² to within their factor 1.0625; the float32 sums (the Vector
        // API kernel and its scalar twin, on lengths around the vector length) must stay far
        // inside it, fall back to float64 where squares underflow, and give ∞ (not a finite
        // underestimate) where they overflow.
        Random r = new Random(51);
        for (int d : new int[] {1, 7, 8, 9, 15, 16, 17, 33, 513}) {
            for (double scale : new double[] {1e-44, 1e-30, 1e-19, 1, 1e6, 1e18}) {
                float[] x = new float[d + 3];
                for (int j = 0; j < x.length; j++) {
                    x[j] = (float) (scale * r.nextGaussian());
                }
                double want = 0;
                for (int j = 0; j < d; j++) {
                    want += (double) x[3 + j] * x[3 + j];
                }
                String at = "d=" + d + " scale " + scale;
                double got = CpuDecisions.squaredNorm(x, 3, d);
                assertTrue(Math.abs(got - want) <= 1e-4 * want, at + ": " + got + " vs " + want);
                if (want >= 0x1p-50) {
                    assertEquals(want, ScalarRows.squaredSum32(x, 3, d), 1e-4 * want, "scalar twin, " + at);
                    if (Simd.ENABLED) {
                        assertEquals(want, SimdRows.squaredSum(x, 3, d), 1e-4 * want, "vector kernel, " + at);
                    }
                }
            }
            for (int at : new int[] {0, d / 2, d - 1}) {
                float[] big = new float[d];
                big[at] = 3e19f;
                assertEquals(Double.POSITIVE_INFINITY, CpuDecisions.squaredNorm(big, 0, d), "d=" + d + ", at " + at);
                assertEquals(Double.POSITIVE_INFINITY, ScalarRows.squaredSum32(big, 0, d), "scalar twin, d=" + d + ", at " + at);
            }
        }
    }

    @Test
    void toleranceBoundsTheRoundingOfBothForms() {
        // γ_m u-scaled and growing with D and the scales, never zero for a non-zero scale.
        assertTrue(CpuDecisions.nccTolerance(1024, 1, 1) > 1024 * 0x1p-53);
        assertTrue(CpuDecisions.nccTolerance(4096, 1, 1) > CpuDecisions.nccTolerance(1024, 1, 1));
        assertTrue(CpuDecisions.linTolerance(1024, 2, 3, 0) > CpuDecisions.linTolerance(1024, 1, 3, 0));
        // At zero scale only the float32 underflow term is left: 2·1.0625·η, η = 4·(√16·0 + 16)·2⁻¹⁴⁹.
        assertEquals(2 * 1.0625 * 64 * 0x1p-149, CpuDecisions.linTolerance(16, 0, 0, 0));
        assertTrue(CpuDecisions.nccTolerance(16, 1e300, 0) > 0);
    }
}
