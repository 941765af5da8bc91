package org.ncj.backend.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;

import java.util.ArrayList;
import java.util.List;

import jcuda.Pointer;

import org.ncj.DType;
import org.ncj.pairwise.PairKernel;
import org.ncj.pairwise.PairStats;

/**
 * Pairwise kernel statistics and grids on the GPU, in one of two forms ({@link Form}):
 *
 * <ul>
 *   <li>{@link DType#FLOAT32}: the float32 GEMM kernels {@code nc_pairwise_gemm_*_f32_t64/_t128}.
 *       The points are uploaded twice, rounded to float32 (the GEMM operand) and in float64 (the
 *       recomputation of small distances), with the float64 squared norms of the float32 rows
 *       (computed here, once per call). The tile is {@link #gemmTile}: 64 or 128, the nearest to
 *       the tile asked for (below 96: 64; from 96: 128); the planned tile ({@link #plannedTile})
 *       is this device's tuned one ({@link org.ncj.backend.tuning.Tuning}, {@code ./ncj tune})
 *       so rounded, and the tuner sweeps {@link #GEMM_TILES}.</li>
 *   <li>{@link DType#FLOAT64}: the float64 direct kernels {@code nc_pairwise_{stats,grid}_f64},
 *       whose tile is fixed at {@link #TILE} whatever is asked or tuned.</li>
 * </ul>
 *
 * <p>This is the one place that says what a tile means on CUDA ({@link #effectiveTile},
 * {@link #plannedTile}, {@link #candidates}); {@link CudaBackend} forwards to it.
 *
 * <p>Every kernel id runs in the form its precision names: on the golden cases' means every id,
 * riesz at s = D − 2 included (s = 510 on {@code collapsed}), meets the golden suite's float32
 * tolerances in the GEMM form ({@code native-tests/test_pairwise.cpp}: relative errors of the
 * riesz mean and variance there are below 1e-6 against rtol 1e-4 and 1e-3), so no kernel is routed
 * to float64 for accuracy ({@link #form} is the whole rule).
 *
 * <p>Per-block partials are merged on the host with {@link PairStats#merge} in block order
 * (deterministic). The grid needs K² doubles of device memory; when they do not fit it is computed
 * in row bands ({@link #bandPlan}), the band halved until it fits ({@link #halveBand}); a band of
 * {@link #BAND_QUANTUM} rows that does not fit is the {@link CudaOutOfMemoryException} (asked and
 * free bytes).
 */
final class CudaPairwise {
    /** Tile of the float64 direct kernels. */
    static final int TILE = 64;
    /** Grid bands hold a multiple of this many rows (a multiple of both GEMM tiles). */
    static final int BAND_QUANTUM = 128;

    private CudaPairwise() {
    }

    /** Which entry points compute the pairs. */
    enum Form {
        GEMM_F32_T64(64, PtxEntry.PAIRWISE_GEMM_STATS_F32_T64, PtxEntry.PAIRWISE_GEMM_GRID_F32_T64),
        GEMM_F32_T128(128, PtxEntry.PAIRWISE_GEMM_STATS_F32_T128, PtxEntry.PAIRWISE_GEMM_GRID_F32_T128),
        DIRECT_F64(TILE, PtxEntry.PAIRWISE_STATS_F64, PtxEntry.PAIRWISE_GRID_F64);

        final int tile;
        final PtxEntry stats;
        final PtxEntry grid;

        Form(int tile, PtxEntry stats, PtxEntry grid) {
            this.tile = tile;
            this.stats = stats;
            this.grid = grid;
        }

        boolean gemm() {
            return this != DIRECT_F64;
        }
    }

    static void checkTile(int tileSize) {
        if (tileSize < 1) {
            throw new IllegalArgumentException("tileSize must be >= 1, got " + tileSize);
        }
    }

    /** The GEMM tile for a requested tile size: 64 below 96, else 128 (the nearest supported). */
    static int gemmTile(int tileSize) {
        checkTile(tileSize);
        return tileSize < 96 ? 64 : 128;
    }

    /** The float32 GEMM kernels' tiles, ascending: what the tuner sweeps on CUDA. */
    static final int[] GEMM_TILES = {64, 128};

    /** The tile a requested one becomes: {@link #gemmTile} in float32, {@link #TILE} in float64. */
    static int effectiveTile(int requested, DType dtype) {
        checkTile(requested);
        return form(dtype, requested).tile;
    }

    /** The tuned tile of {@code deviceKey} at (k, d), else the default, as {@link #effectiveTile} makes it. */
    static int plannedTile(String deviceKey, int k, int d, DType dtype) {
        if (dtype == DType.FLOAT64) {
            return TILE;
        }
        return effectiveTile(org.ncj.backend.tuning.Tuning.tunedTile(deviceKey, k, d).orElse(org.ncj.backend.Backend.DEFAULT_TILE),
                dtype);
    }

    /** The tiles worth timing: the GEMM tiles in float32, the fixed {@link #TILE} in float64. */
    static int[] candidates(DType dtype) {
        return dtype == DType.FLOAT64 ? new int[] {TILE} : GEMM_TILES.clone();
    }

    /** The form for a precision and a requested tile size. */
    static Form form(DType dtype, int tileSize) {
        if (dtype == DType.FLOAT64) {
            return Form.DIRECT_F64;
        }
        return gemmTile(tileSize) == 64 ? Form.GEMM_F32_T64 : Form.GEMM_F32_T128;
    }

    /** ABI kernel id of a {@link PairKernel}. */
    static int id(PairKernel kernel) {
        return switch (kernel) {
            case PairKernel.Dist k -> 0;
            case PairKernel.Log k -> 1;
            case PairKernel.Riesz k -> 2;
            case PairKernel.Cdnv k -> 3;
            case PairKernel.Cosine k -> 4;
            case PairKernel.MaxAngle k -> 5;
        };
    }

    /** The kernel's {@code param} argument. */
    static double param(PairKernel kernel) {
        return switch (kernel) {
            case PairKernel.Dist k -> 0.0;
            case PairKernel.Log k -> k.exponent();
            case PairKernel.Riesz k -> k.s();
            case PairKernel.Cdnv k -> k.distExp();
            case PairKernel.Cosine k -> 0.0;
            case PairKernel.MaxAngle k -> k.k();
        };
    }

    static double[] aux(PairKernel kernel) {
        return kernel instanceof PairKernel.Cdnv c ? c.varNorms() : null;
    }

    /** Grid of the stats kernel with the given tile: {units, strips} (cuda/ABI.md). */
    static int[] statsGrid(int k, int tile, int sms) {
        int t = (k + tile - 1) / tile;
        int units = Math.max(1, (t + 1) / 2);
        int strips = Math.max(1, Math.min(t + 1, 4 * sms / units));
        return new int[] {units, strips};
    }

    /** Grid of the grid kernel for one band of {@code rows} rows: {j-tiles, i-tiles of the band}. */
    static int[] bandLaunch(int k, int tile, int rows) {
        return new int[] {Math.max(1, (k + tile - 1) / tile), Math.max(1, (rows + tile - 1) / tile)};
    }

    /**
     * The bands {row0, rows} that cover rows 0..k-1 with bands of {@code bandRows} rows (the last
     * one shorter); row0 is a multiple of {@code bandRows}, which must be a multiple of
     * {@link #BAND_QUANTUM} or at least k.
     */
    static List<int[]> bandPlan(int k, int bandRows) {
        if (bandRows < 1 || (bandRows < k && bandRows % BAND_QUANTUM != 0)) {
            throw new IllegalArgumentException("band of " + bandRows + " rows: need a multiple of " + BAND_QUANTUM
                    + " or at least K = " + k);
        }
        List<int[]> out = new ArrayList<>();
        for (int r0 = 0; r0 < k; r0 += bandRows) {
            out.add(new int[] {r0, Math.min(bandRows, k - r0)});
        }
        return out;
    }

    /**
     * The band to try after the device memory for a band of {@code rows} rows (all {@code k} rows
     * at first) could not be allocated: half of it (of k rounded up to {@link #BAND_QUANTUM} when
     * it was the whole grid), rounded up to a multiple of {@link #BAND_QUANTUM}; 0 when nothing
     * smaller than {@code rows} is left to try.
     */
    static int halveBand(int k, int rows) {
        int from = rows >= k ? (k + BAND_QUANTUM - 1) / BAND_QUANTUM * BAND_QUANTUM : rows;
        if (from <= BAND_QUANTUM) {
            return 0;
        }
        int half = (from + 1) / 2;
        int next = (half + BAND_QUANTUM - 1) / BAND_QUANTUM * BAND_QUANTUM;
        return next < rows ? next : 0;
    }

    static PairStats stats(DeviceSession session, double[] points, int k, int d, PairKernel kernel, Form form) {
        if (k < 2) {
            return new PairStats();
        }
        CudaContext ctx = session.context();
        Stager st = session.stager();
        int[] g = statsGrid(k, form.tile, ctx.sms);
        int blocks = g[0] * g[1];
        double[] partials = new double[4 * blocks];
        try (Operands ops = new Operands(ctx, st.compute, points, k, d, kernel, form);
             DeviceMemory out = DeviceMemory.allocate(ctx, 8L * partials.length)) {
            st.onCompute(() -> {
                ops.launchStats(st, out);
                st.compute.sync();
            });
            Cuda.check(cuMemcpyDtoH(Pointer.to(partials), out.ptr(), 8L * partials.length), "cuMemcpyDtoH pairwise partials");
        }
        PairStats total = new PairStats();
        for (int b = 0; b < blocks; b++) {
            total.merge(PairStats.of((long) partials[4 * b], partials[4 * b + 1], partials[4 * b + 2], partials[4 * b + 3]));
        }
        return total;
    }

    static double[] grid(DeviceSession session, double[] points, int k, int d, PairKernel kernel, Form form) {
        return grid(session, points, k, d, kernel, form, k);
    }

    /**
     * The grid in bands of at most {@code maxBandRows} rows (a multiple of {@link #BAND_QUANTUM},
     * or k for one band), fewer where device memory runs out (tests pass a small one to run the
     * band path without filling the device).
     */
    static double[] grid(DeviceSession session, double[] points, int k, int d, PairKernel kernel, Form form, int maxBandRows) {
        if ((long) k * k > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("kernelGrid at K = " + k + " needs " + ((long) k * k)
                    + " entries, more than a Java array holds: use kernelStats, which never materialises the grid");
        }
        double[] out = new double[k * k];
        if (k == 0) {
            return out;
        }
        CudaContext ctx = session.context();
        Stager st = session.stager();
        try (Operands ops = new Operands(ctx, st.compute, points, k, d, kernel, form)) {
            int bandRows = Math.min(k, maxBandRows);
            bandPlan(k, bandRows); // checks the band
            DeviceMemory gm = null;
            while (gm == null) {
                try {
                    gm = DeviceMemory.allocate(ctx, 8L * bandRows * k);
                } catch (CudaOutOfMemoryException e) {
                    // K² doubles (or the current band) do not fit: halve the band until it does
                    int next = halveBand(k, bandRows);
                    if (next == 0) {
                        throw e;
                    }
                    bandRows = next;
                }
            }
            try (DeviceMemory band = gm) {
                for (int[] b : bandPlan(k, bandRows)) {
                    st.onCompute(() -> {
                        ops.launchGrid(st, b[0], b[1], band);
                        st.compute.sync();
                    });
                    Cuda.check(cuMemcpyDtoH(Pointer.to(out).withByteOffset(8L * b[0] * k), band.ptr(), 8L * b[1] * k),
                            "cuMemcpyDtoH pairwise grid band");
                }
            }
        }
        if (kernel.logSpace()) {
            // The kernel writes log-values for log-space kernels (ABI.md); the grid holds values.
            for (int i = 0; i < out.length; i++) {
                out[i] = kernel.logSign() * Math.exp(out[i]);
            }
        }
        return out;
    }

    /** The device operands of one call: points (float64, plus float32 and norms for GEMM), aux. */
    static final class Operands implements AutoCloseable {
        final CudaContext ctx;
        final int k;
        final int d;
        final int id;
        final double param;
        final Form form;
        private final List<DeviceMemory> held = new ArrayList<>();
        final DeviceMemory p64;
        final DeviceMemory p32;
        final DeviceMemory norms;
        final DeviceMemory aux;
        /** The stream of the kernels that read the operands (their copies are queued on it). */
        private final CudaStream stream;

        Operands(CudaContext ctx, CudaStream stream, double[] points, int k, int d, PairKernel kernel, Form form) {
            this.ctx = ctx;
            this.stream = stream;
            this.k = k;
            this.d = d;
            this.id = id(kernel);
            this.param = param(kernel);
            this.form = form;
            try {
                p64 = upload(ctx, Pointer.to(points), 8L * k * d);
                double[] a = aux(kernel);
                aux = a == null ? null : upload(ctx, Pointer.to(a), 8L * k);
                if (form.gemm()) {
                    float[] f = new float[k * d];
                    double[] n = new double[k];
                    rowsAndNorms(points, k, d, f, n);
                    p32 = upload(ctx, Pointer.to(f), 4L * k * d);
                    norms = upload(ctx, Pointer.to(n), 8L * k);
                } else {
                    p32 = null;
                    norms = null;
                }
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        private DeviceMemory upload(CudaContext c, Pointer host, long bytes) {
            DeviceMemory m = DeviceMemory.allocate(c, bytes);
            held.add(m);
            Cuda.check(cuMemcpyHtoDAsync(m.ptr(), host, bytes, stream.get()), "cuMemcpyHtoDAsync pairwise operand");
            return m;
        }

        /** Launches the stats kernel on the compute stream (caller: inside {@link Stager#onCompute}). */
        void launchStats(Stager st, DeviceMemory partials) {
            int[] g = statsGrid(k, form.tile, ctx.sms);
            if (form.gemm()) {
                ctx.launch(form.stats, g[0], g[1], 256, 0, st.compute.get(), p32, p64, norms, k, d, id, param, aux, partials);
            } else {
                ctx.launch(form.stats, g[0], g[1], 256, 0, st.compute.get(), p64, k, d, id, param, aux, partials);
            }
        }

        /** Launches the grid kernel for rows [row0, row0 + rows) into {@code band} (rows × k). */
        void launchGrid(Stager st, int row0, int rows, DeviceMemory band) {
            int[] g = bandLaunch(k, form.tile, rows);
            if (form.gemm()) {
                ctx.launch(form.grid, g[0], g[1], 256, 0, st.compute.get(), p32, p64, norms, k, d, id, param, aux, row0, rows,
                        band);
            } else {
                ctx.launch(form.grid, g[0], g[1], 256, 0, st.compute.get(), p64, k, d, id, param, aux, row0, rows, band);
            }
        }

        @Override
        public void close() {
            for (DeviceMemory m : held) {
                m.close();
            }
            held.clear();
        }
    }

    /** The float32 rows and the float64 squared norms of those float32 rows (the GEMM's operands). */
    static void rowsAndNorms(double[] points, int k, int d, float[] rows, double[] norms) {
        for (int i = 0; i < k; i++) {
            double s = 0;
            for (int l = 0; l < d; l++) {
                float v = (float) points[i * d + l];
                rows[i * d + l] = v;
                s += (double) v * v;
            }
            norms[i] = s;
        }
    }
}
