package org.ncj.backend.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;

import jcuda.Pointer;

import org.ncj.DType;
import org.ncj.backend.Decisions;

/**
 * Nearest-class-centre vs linear-classifier agreement ({@code nc_decisions_*}, a tiled GEMM of
 * the rows against the candidates' means and weights with an exact float64 recheck of near ties,
 * so that the decisions equal {@code CpuDecisions}'). The operands are packed once on the host
 * ({@link #pack}: cuda/ABI.md) and uploaded: {@code bt} in the working type, its float64 twin
 * for the recheck (the same buffer for FLOAT64), and the per-candidate norms ({@code aux}).
 */
public final class CudaDecisions extends StagedOperation implements Decisions {
    /** Rows per block of {@code nc_decisions_*}. */
    static final int ROWS = 128;
    /** Threads per block. */
    static final int BLOCK = 256;
    /** Rows per launch at most (the grid stays far below 2^31 blocks). */
    static final long MAX_ROWS = 1L << 30;

    private final int c;
    private final DeviceMemory bt;
    private final DeviceMemory bt64;
    private final DeviceMemory aux;
    private final DeviceMemory hits;
    private final DeviceMemory counts;

    /** Host-packed operands of {@code nc_decisions_*}: {@code bt64} (d × ld) and {@code aux} (T × 6 × tile). */
    record Packed(double[] bt64, double[] aux, int tiles, long ld) {
    }

    /** Candidates per tile: 64 for FLOAT32, 32 for FLOAT64 (cuda/decisions.cu, NcDecT::CT). */
    static int tile(DType dtype) {
        return dtype == DType.FLOAT32 ? 64 : 32;
    }

    /** Grid of one launch over {@code rows} rows: ceil(rows / 128), at least 1. */
    static int grid(long rows) {
        if (rows < 0 || rows > MAX_ROWS) {
            throw new IllegalArgumentException("rows per launch must be in [0, " + MAX_ROWS + "], got " + rows);
        }
        return (int) Math.max(1, (rows + ROWS - 1) / ROWS);
    }

    /**
     * Packs the candidates' operands as cuda/ABI.md states: T = ceil(c / tile) tiles; bt64 is
     * d × ld (ld = 2 · tile · T) with row j holding, for tile t, the means' column j of candidates
     * t·tile.. then the weights' (zeros past c); aux holds per tile ‖μ‖² (+∞ past c), ‖μ‖² (0 past
     * c), ‖w‖, |b|, b (0 without bias, −∞ past c) and, in the sixth row, the largest of the second
     * to fourth over the tile's candidates.
     */
    static Packed pack(double[] means, double[] weights, double[] bias, int[] candidates, int d, int tile) {
        if (tile < 3) {
            throw new IllegalArgumentException("tile must hold the three maxima, got " + tile);
        }
        int c = candidates.length;
        int tiles = (c + tile - 1) / tile;
        long ld = 2L * tile * tiles;
        if (ld * d > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("decisions operands too large for one array: " + c + " candidates x " + d);
        }
        double[] bt = new double[(int) (ld * d)];
        double[] aux = new double[6 * tile * tiles];
        for (int t = 0; t < tiles; t++) {
            int a = 6 * tile * t;
            for (int i = 0; i < tile; i++) {
                int q = t * tile + i;
                if (q >= c) {
                    aux[a + i] = Double.POSITIVE_INFINITY;
                    aux[a + 4 * tile + i] = Double.NEGATIVE_INFINITY;
                    continue;
                }
                int o = candidates[q] * d;
                double nq = 0;
                double nw = 0;
                for (int j = 0; j < d; j++) {
                    double m = means[o + j];
                    double w = weights[o + j];
                    bt[(int) (j * ld) + 2 * tile * t + i] = m;
                    bt[(int) (j * ld) + 2 * tile * t + tile + i] = w;
                    nq += m * m;
                    nw += w * w;
                }
                double b = bias == null ? 0.0 : bias[candidates[q]];
                aux[a + i] = nq;
                aux[a + tile + i] = nq;
                aux[a + 2 * tile + i] = Math.sqrt(nw);
                aux[a + 3 * tile + i] = Math.abs(b);
                aux[a + 4 * tile + i] = b;
                for (int f = 0; f < 3; f++) {
                    aux[a + 5 * tile + f] = Math.max(aux[a + 5 * tile + f], aux[a + (f + 1) * tile + i]);
                }
            }
        }
        return new Packed(bt, aux, tiles, ld);
    }

    CudaDecisions(DeviceSession session, double[] means, double[] weights, double[] bias, int[] candidates,
                  int k, int d, DType dtype) {
        super(session, "Decisions", "decisions", k, d, dtype);
        this.c = candidates.length;
        Packed p = pack(means, weights, bias, candidates, d, tile(dtype));
        try {
            this.bt64 = uploadDouble(p.bt64());
            this.bt = dtype == DType.FLOAT32 ? uploadFloat(p.bt64()) : bt64;
            this.aux = uploadDouble(p.aux());
            this.hits = zeroed(8L * k);
            this.counts = zeroed(8L * k);
        } catch (RuntimeException e) {
            throw abandon(e);
        }
    }

    private DeviceMemory uploadDouble(double[] a) {
        return copied(allocate(8L * Math.max(1, a.length)), Pointer.to(a), 8L * a.length);
    }

    private DeviceMemory uploadFloat(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return copied(allocate(4L * Math.max(1, f.length)), Pointer.to(f), 4L * f.length);
    }

    /**
     * Copies {@code bytes} (none without candidates) into {@code mem} on the compute stream, that
     * of the kernels that read it.
     */
    private DeviceMemory copied(DeviceMemory mem, Pointer src, long bytes) {
        if (bytes > 0) {
            Cuda.check(cuMemcpyHtoDAsync(mem.ptr(), src, bytes, stager.compute.get()), "cuMemcpyHtoDAsync decisions operand");
        }
        return mem;
    }

    /** {@code nc_decisions_*} in launches of at most {@link #MAX_ROWS} rows. */
    @Override
    void launch(long x, long y, long n, CudaStream stream) {
        PtxEntry kernel = PtxEntry.of("nc_decisions", dtype);
        for (long r0 = 0; r0 < n; r0 += MAX_ROWS) {
            long rows = Math.min(MAX_ROWS, n - r0);
            ctx.launch(kernel, grid(rows), 1, BLOCK, 0, stream.get(), x + 4L * d * r0, y + 4L * r0, rows, d, bt, bt64,
                    aux, c, hits, counts);
        }
    }

    @Override
    public long[] hits() {
        return readLongs(hits, k, "hits");
    }

    @Override
    public long[] counts() {
        return readLongs(counts, k, "counts");
    }
}
