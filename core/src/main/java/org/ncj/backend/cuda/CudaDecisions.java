package org.ncj.backend.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;

import jcuda.Pointer;

import org.ncj.DType;
import org.ncj.backend.Batch;
import org.ncj.backend.Decisions;

/**
 * Nearest-class-centre vs linear-classifier agreement ({@code nc_decisions_*}, a tiled GEMM of
 * the rows against the candidates' means and weights with an exact float64 recheck of near ties,
 * so that the decisions equal {@code CpuDecisions}'). The operands are packed once on the host
 * ({@link #pack}: kernels/ABI.md) and uploaded: {@code bt} in the working type, its float64 twin
 * for the recheck (the same buffer for FLOAT64), and the per-candidate norms ({@code aux}).
 */
public final class CudaDecisions extends Resource implements Decisions {
    /** Rows per block of {@code nc_decisions_*}. */
    static final int ROWS = 128;
    /** Threads per block. */
    static final int BLOCK = 256;
    /** Rows per launch at most (the grid stays far below 2^31 blocks). */
    static final long MAX_ROWS = 1L << 30;

    private final CudaBackend backend;
    private final CudaContext ctx;
    private final int k;
    private final int d;
    private final int c;
    private final DType dtype;
    private final DeviceMemory[] owned;
    private final DeviceMemory bt;
    private final DeviceMemory bt64;
    private final DeviceMemory aux;
    private final DeviceMemory hits;
    private final DeviceMemory counts;

    /** Host-packed operands of {@code nc_decisions_*}: {@code bt64} (d × ld) and {@code aux} (T × 6 × tile). */
    record Packed(double[] bt64, double[] aux, int tiles, long ld) {
    }

    /** Candidates per tile: 64 for FLOAT32, 32 for FLOAT64 (kernels/decisions.cu, NcDecT::CT). */
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
     * Packs the candidates' operands as kernels/ABI.md states: T = ceil(c / tile) tiles; bt64 is
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

    CudaDecisions(CudaBackend backend, double[] means, double[] weights, double[] bias, int[] candidates,
                  int k, int d, DType dtype) {
        super("Decisions(k=" + k + ", d=" + d + ", " + dtype + ")");
        this.backend = backend;
        this.ctx = backend.context();
        this.k = k;
        this.d = d;
        this.c = candidates.length;
        this.dtype = dtype;
        Packed p = pack(means, weights, bias, candidates, d, tile(dtype));
        CudaStream s = backend.stager().compute;
        DeviceMemory[] mem = new DeviceMemory[5];
        try {
            mem[0] = uploadDouble(p.bt64(), s);
            mem[1] = dtype == DType.FLOAT32 ? uploadFloat(p.bt64(), s) : null;
            mem[2] = uploadDouble(p.aux(), s);
            mem[3] = DeviceMemory.zeroed(ctx, 8L * k, s.get());
            mem[4] = DeviceMemory.zeroed(ctx, 8L * k, s.get());
        } catch (RuntimeException e) {
            for (DeviceMemory x : mem) {
                if (x != null) {
                    x.close();
                }
            }
            throw e;
        }
        this.owned = mem;
        this.bt64 = mem[0];
        this.bt = mem[1] != null ? mem[1] : mem[0];
        this.aux = mem[2];
        this.hits = mem[3];
        this.counts = mem[4];
    }

    private DeviceMemory uploadDouble(double[] a, CudaStream s) {
        return copied(DeviceMemory.allocate(ctx, 8L * Math.max(1, a.length)), Pointer.to(a), 8L * a.length, s);
    }

    private DeviceMemory uploadFloat(double[] a, CudaStream s) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return copied(DeviceMemory.allocate(ctx, 4L * Math.max(1, f.length)), Pointer.to(f), 4L * f.length, s);
    }

    /**
     * Copies {@code bytes} (none without candidates) into {@code mem} on {@code s}, the stream of
     * the kernels that read it; frees it when the copy fails.
     */
    private static DeviceMemory copied(DeviceMemory mem, Pointer src, long bytes, CudaStream s) {
        try {
            if (bytes > 0) {
                Cuda.check(cuMemcpyHtoDAsync(mem.ptr(), src, bytes, s.get()), "cuMemcpyHtoDAsync decisions operand");
            }
            return mem;
        } catch (RuntimeException e) {
            mem.close();
            throw e;
        }
    }

    @Override
    public void add(Batch batch) {
        ensureOpen();
        if (batch.labels() == null) {
            throw new IllegalArgumentException("decisions need labels");
        }
        if (batch.n() == 0) {
            return;
        }
        backend.stager().stage(batch, 0, (x, y, n, stream) -> launch(x, y, n, stream));
    }

    /** Adds {@code n} device-resident labelled rows; returns after the kernel finished reading them. */
    public void addDevice(long x, long y, long n) {
        ensureOpen();
        if (n <= 0) {
            return;
        }
        Stager st = backend.stager();
        st.onCompute(() -> {
            launch(x, y, n, st.compute);
            st.compute.sync();
        });
    }

    private void launch(long x, long y, long n, CudaStream stream) {
        Kernel kernel = Kernel.of("nc_decisions", dtype);
        for (long r0 = 0; r0 < n; r0 += MAX_ROWS) {
            long rows = Math.min(MAX_ROWS, n - r0);
            ctx.launch(kernel, grid(rows), 1, BLOCK, 0, stream.get(), x + 4L * d * r0, y + 4L * r0, rows, d, bt, bt64,
                    aux, c, hits, counts);
        }
    }

    private long[] read(DeviceMemory m, String what) {
        ensureOpen();
        backend.stager().sync();
        return m.readLongs(k, what);
    }

    @Override
    public long[] hits() {
        return read(hits, "hits");
    }

    @Override
    public long[] counts() {
        return read(counts, "counts");
    }

    @Override
    void release() {
        backend.stager().sync();
        try {
            for (DeviceMemory m : owned) {
                if (m != null) {
                    m.close();
                }
            }
        } finally {
            backend.forget(this);
        }
    }
}
