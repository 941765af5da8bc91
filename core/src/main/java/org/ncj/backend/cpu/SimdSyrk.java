package org.ncj.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float32 symmetric rank-n update with the Vector API: {@code c[i·d + j] += Σ_t x[t·d + i] x[t·d + j]}
 * for j ≥ i, row-major n×d x, float64 c; loaded only when {@link Simd#ENABLED}. Scalar twin:
 * {@code SyrkBandF32} (and the BLAS {@code ssyrk} it replaces at these D).
 *
 * <p>Why: OpenBLAS 0.3.21's {@code ssyrk} takes at D = 128 as long as its {@code sgemm} of twice
 * the flops. Same runs, 2 threads, 65,536 / 32,768 / 16,384 rows (probe SyrkBlk,
 * bench/RESULTS.md): this kernel 11.9–16.1 ms against the BLAS's 19.3–20.3 in 1024-row calls at
 * D = 128, 18.4–19.2 against 23.4–25.8 at D = 256, 33.8–35.7 against 35.6–40.4 at D = 512. A
 * variant was only level with the BLAS at D = 1024, hence {@link #MAX_D}. Its result does not
 * depend on the thread count, so the deterministic backend uses it too, in place of its much
 * slower scalar twin.
 *
 * <p>How: the rows are taken in blocks of {@link #blockRows} (panels of about 512 KB, half a core's
 * L2; 256 KB and 1 MB were no better beyond this machine's noise), each block copied
 * into panels of 16 columns ({@code p[panel][t][0..16)}, zero past d) so that every load below is
 * sequential. Tiles of 8 × 16 outputs: per row of the block, 2 loads of the 16 columns, 8
 * broadcasts of the 8 rows' values and 16 fused multiply-adds into 16 float32 accumulators; at
 * the end of the block the tile is added to c in float64 (so float32 sums run over at most 1024
 * rows, as the BLAS path's chunks do). Each task owns a contiguous run of tiles and packs the
 * panels its tiles read; every output is summed over the blocks in order and the rows of a block
 * in order, so the result does not depend on the number of tasks or threads.
 */
final class SimdSyrk {
    /** Eight float lanes: a tile row of 16 columns is two vectors. */
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    /** The largest D this kernel serves: above it the BLAS was as fast (D = 1024) or faster. */
    static final int MAX_D = 512;
    /** Bytes of one block's panels, so that they stay in a core's L2 (1 MB here) while its tiles read them. */
    private static final int BLOCK_BYTES = 1 << 19;

    private SimdSyrk() {
    }

    /** Whether this kernel serves float32 rows of this width here (256-bit float vectors, D ≤ {@link #MAX_D}). */
    static boolean serves(int d) {
        return d >= 1 && d <= MAX_D && SimdRows.eightFloatLanes();
    }

    /** Rows per block at width d: about {@value #BLOCK_BYTES} bytes of panels, 16 to 1024 rows. */
    static int blockRows(int d) {
        return Math.max(16, Math.min(1024, BLOCK_BYTES / (Float.BYTES * panels(d) * 16)));
    }

    private static int panels(int d) {
        return (d + 15) / 16;
    }

    /** Adds the upper triangle of xᵀx (the first n rows of x) to c, one task per core. */
    static void upper(float[] x, int n, int d, double[] c) {
        upper(x, n, d, c, Runtime.getRuntime().availableProcessors());
    }

    /** {@link #upper(float[], int, int, double[])} split into at most {@code tasks} runs of tiles (tests: the split leaves the bits). */
    static void upper(float[] x, int n, int d, double[] c, int maxTasks) {
        if (n == 0) {
            return;
        }
        // Tiles (ib, jb) in row order: 8 rows from ib, 16 columns from jb, every jb block that
        // reaches the upper triangle.
        int count = 0;
        for (int ib = 0; ib < d; ib += 8) {
            count += panels(d) - ib / 16;
        }
        int[] ti = new int[count];
        int[] tj = new int[count];
        int q = 0;
        for (int ib = 0; ib < d; ib += 8) {
            for (int jb = ib / 16 * 16; jb < d; jb += 16) {
                ti[q] = ib;
                tj[q] = jb;
                q++;
            }
        }
        int tasks = Math.max(1, Math.min(count, maxTasks));
        int tiles = count;
        CpuBackend.parallelFor(tasks, g -> run(x, n, d, c, ti, tj, (int) ((long) tiles * g / tasks),
                (int) ((long) tiles * (g + 1) / tasks)));
    }

    /** One task: tiles [q0, q1) over every block of rows. */
    private static void run(float[] x, int n, int d, double[] c, int[] ti, int[] tj, int q0, int q1) {
        if (q0 >= q1) {
            return;
        }
        int rows = blockRows(d);
        // The task's tiles start at row ti[q0]: they read only the panels from its own.
        int firstPanel = ti[q0] / 16;
        float[] p = new float[rows * 16 * (panels(d) - firstPanel)];
        float[] tile = new float[128];
        for (int t0 = 0; t0 < n; t0 += rows) {
            int nt = Math.min(rows, n - t0);
            pack(x, t0, nt, d, firstPanel, p);
            for (int q = q0; q < q1; q++) {
                tile(p, nt, (ti[q] / 16 - firstPanel) * nt * 16 + ti[q] % 16, (tj[q] / 16 - firstPanel) * nt * 16, tile);
                addTile(tile, ti[q], tj[q], d, c);
            }
        }
    }

    /** {@code p[(k − first)·nt·16 + t·16 + col] = x[(t0 + t)·d + 16k + col]} for panels k ≥ first, zero past d. */
    private static void pack(float[] x, int t0, int nt, int d, int first, float[] p) {
        int np = panels(d);
        for (int t = 0; t < nt; t++) {
            int o = (t0 + t) * d;
            for (int k = first; k < np; k++) {
                int po = (k - first) * nt * 16 + t * 16;
                int col = 16 * k;
                if (col + 16 <= d) {
                    FloatVector.fromArray(S, x, o + col).intoArray(p, po);
                    FloatVector.fromArray(S, x, o + col + 8).intoArray(p, po + 8);
                } else {
                    for (int j = 0; j < 16; j++) {
                        p[po + j] = col + j < d ? x[o + col + j] : 0f;
                    }
                }
            }
        }
    }

    /**
     * One 8 × 16 tile over nt packed rows: {@code tile[r·16 + col] = Σ_t a[t][r] · b[t][col]}, the
     * 8 row values at {@code p[ao + t·16 ..]} and the 16 columns at {@code p[bo + t·16 ..]}, summed
     * in t order in float32 fused multiply-adds.
     */
    private static void tile(float[] p, int nt, int ao, int bo, float[] tile) {
        FloatVector a00 = FloatVector.zero(S);
        FloatVector a01 = a00;
        FloatVector a10 = a00;
        FloatVector a11 = a00;
        FloatVector a20 = a00;
        FloatVector a21 = a00;
        FloatVector a30 = a00;
        FloatVector a31 = a00;
        FloatVector a40 = a00;
        FloatVector a41 = a00;
        FloatVector a50 = a00;
        FloatVector a51 = a00;
        FloatVector a60 = a00;
        FloatVector a61 = a00;
        FloatVector a70 = a00;
        FloatVector a71 = a00;
        for (int t = 0; t < nt; t++) {
            int o = bo + t * 16;
            int oa = ao + t * 16;
            FloatVector v0 = FloatVector.fromArray(S, p, o);
            FloatVector v1 = FloatVector.fromArray(S, p, o + 8);
            FloatVector b = FloatVector.broadcast(S, p[oa]);
            a00 = b.fma(v0, a00);
            a01 = b.fma(v1, a01);
            b = FloatVector.broadcast(S, p[oa + 1]);
            a10 = b.fma(v0, a10);
            a11 = b.fma(v1, a11);
            b = FloatVector.broadcast(S, p[oa + 2]);
            a20 = b.fma(v0, a20);
            a21 = b.fma(v1, a21);
            b = FloatVector.broadcast(S, p[oa + 3]);
            a30 = b.fma(v0, a30);
            a31 = b.fma(v1, a31);
            b = FloatVector.broadcast(S, p[oa + 4]);
            a40 = b.fma(v0, a40);
            a41 = b.fma(v1, a41);
            b = FloatVector.broadcast(S, p[oa + 5]);
            a50 = b.fma(v0, a50);
            a51 = b.fma(v1, a51);
            b = FloatVector.broadcast(S, p[oa + 6]);
            a60 = b.fma(v0, a60);
            a61 = b.fma(v1, a61);
            b = FloatVector.broadcast(S, p[oa + 7]);
            a70 = b.fma(v0, a70);
            a71 = b.fma(v1, a71);
        }
        // Stored one by one: gathering them into an array of vectors first kept C2 from holding
        // them in registers (the loop ran ten times slower).
        a00.intoArray(tile, 0);
        a01.intoArray(tile, 8);
        a10.intoArray(tile, 16);
        a11.intoArray(tile, 24);
        a20.intoArray(tile, 32);
        a21.intoArray(tile, 40);
        a30.intoArray(tile, 48);
        a31.intoArray(tile, 56);
        a40.intoArray(tile, 64);
        a41.intoArray(tile, 72);
        a50.intoArray(tile, 80);
        a51.intoArray(tile, 88);
        a60.intoArray(tile, 96);
        a61.intoArray(tile, 104);
        a70.intoArray(tile, 112);
        a71.intoArray(tile, 120);
    }

    /** Adds the tile's outputs in the upper triangle (j ≥ i, both below d) to c. */
    private static void addTile(float[] tile, int ib, int jb, int d, double[] c) {
        for (int r = 0; r < 8 && ib + r < d; r++) {
            int i = ib + r;
            for (int j = Math.max(jb, i); j < Math.min(d, jb + 16); j++) {
                c[i * d + j] += tile[r * 16 + (j - jb)];
            }
        }
    }
}
