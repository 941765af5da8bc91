package org.ncj.backend.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;

import java.nio.IntBuffer;

import jcuda.Pointer;

import org.ncj.DType;
import org.ncj.backend.Batch;
import org.ncj.backend.CentredStats;

/**
 * Second pass on the GPU: {@code nc_centre_*} centres each staged piece on its rows' class means
 * into a scratch buffer and adds the squared norms to the per-class sums; {@code nc_syrk_*} adds
 * the centred piece's Gram matrix to the upper triangle of the float64 scatter. Counts are kept
 * on the host (the labels pass through it anyway).
 */
public final class CudaCentredStats extends Resource implements CentredStats {
    /** Scratch for centred device-resident rows per piece. */
    private static final long DEVICE_SCRATCH_BYTES = 256L << 20;

    private final CudaBackend backend;
    private final CudaContext ctx;
    private final int k;
    private final int d;
    private final DType dtype;
    private final boolean wantScatter;
    private final boolean wantVarNorms;
    private final DeviceMemory means;
    private final DeviceMemory scatter;
    private final DeviceMemory varSums;
    private final long[] counts;

    CudaCentredStats(CudaBackend backend, double[] means, int k, int d, DType dtype, boolean scatter, boolean varNorms) {
        super("CentredStats(k=" + k + ", d=" + d + ", " + dtype + ")");
        this.backend = backend;
        this.ctx = backend.context();
        this.k = k;
        this.d = d;
        this.dtype = dtype;
        this.wantScatter = scatter;
        this.wantVarNorms = varNorms;
        this.counts = new long[k];
        CudaStream s = backend.stager().compute;
        DeviceMemory m = null;
        DeviceMemory c = null;
        DeviceMemory v = null;
        try {
            m = DeviceMemory.allocate(ctx, 8L * k * d);
            Cuda.check(cuMemcpyHtoD(m.ptr(), Pointer.to(means), 8L * k * d), "cuMemcpyHtoD means");
            c = scatter ? DeviceMemory.zeroed(ctx, 8L * d * d, s.get()) : null;
            v = DeviceMemory.zeroed(ctx, 8L * k, s.get());
        } catch (RuntimeException e) {
            for (DeviceMemory x : new DeviceMemory[] {m, c, v}) {
                if (x != null) {
                    x.close();
                }
            }
            throw e;
        }
        this.means = m;
        this.scatter = c;
        this.varSums = v;
    }

    private int xcBytes() {
        return dtype == DType.FLOAT32 ? 4 : 8;
    }

    @Override
    public void add(Batch batch) {
        ensureOpen();
        if (batch.labels() == null) {
            throw new IllegalArgumentException("centred statistics need labels");
        }
        if (batch.n() == 0) {
            return;
        }
        IntBuffer y = batch.labels();
        for (int i = 0, p = y.position(); i < batch.n(); i++) {
            counts[y.get(p + i)]++;
        }
        backend.stager().stage(batch, (long) xcBytes() * d, (x, yy, n, stream) -> launch(x, yy, n, stream));
    }

    /**
     * Adds {@code n} device-resident rows ({@code x}: n×d floats, {@code y}: n ints whose classes
     * all have means). Returns after the kernels finished reading them.
     */
    public void addDevice(long x, long y, long n) {
        ensureOpen();
        if (n <= 0) {
            return;
        }
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("device batch of " + n + " rows: split it below 2^31 rows");
        }
        int[] labels = new int[(int) n];
        ctx.makeCurrent();
        Cuda.check(cuMemcpyDtoH(Pointer.to(labels), DevicePtr.of(y), 4L * n), "cuMemcpyDtoH labels");
        Stager st = backend.stager();
        // Device-resident rows need no staging: only the centred scratch is cut into pieces.
        long rowsPerPiece = Math.max(1, Math.min(n, DEVICE_SCRATCH_BYTES / ((long) xcBytes() * d)));
        st.onCompute(() -> {
            long rows = rowsPerPiece;
            long done = 0;
            while (done < n) {
                long m = Math.min(rows, n - done);
                try {
                    st.scratch((long) xcBytes() * d * m);
                } catch (CudaOutOfMemoryException e) {
                    if (rows == 1) {
                        throw e;
                    }
                    rows = Math.max(1, rows / 2); // out of memory: retry with smaller pieces
                    continue;
                }
                launch(x + 4L * d * done, y + 4L * done, m, st.compute);
                done += m;
            }
            st.compute.sync();
        });
        for (int label : labels) {
            counts[label]++;
        }
    }

    private void launch(long x, long y, long n, CudaStream stream) {
        boolean f32 = dtype == DType.FLOAT32;
        DeviceMemory xc = backend.stager().scratch((long) xcBytes() * d * n);
        int grid = (int) Math.max(1, Math.min((n + 7) / 8, 65535L * 8));
        ctx.launch(f32 ? Kernel.CENTRE_F32 : Kernel.CENTRE_F64, grid, 1, 256, 0, stream.get(),
                x, y, n, d, means, xc, varSums);
        if (wantScatter) {
            int[] g = syrkGrid(n, d, ctx.sms);
            ctx.launch(f32 ? Kernel.SYRK_F32 : Kernel.SYRK_F64, g[0], g[1], 256, 0, stream.get(),
                    xc, n, d, scatter);
        }
    }

    /** Tile edge of {@code nc_syrk_*} (kernels/ABI.md). */
    static final int SYRK_TILE = 128;

    /**
     * Grid of {@code nc_syrk_*} (kernels/ABI.md): {upper-triangle tile pairs T(T+1)/2 with
     * T = ceil(d/128), row splits max(1, min(ceil(n/256), 8*SMs / tiles))}.
     */
    static int[] syrkGrid(long n, int d, int sms) {
        long t = (d + SYRK_TILE - 1) / SYRK_TILE;
        long tiles = t * (t + 1) / 2;
        long splits = Math.max(1, Math.min((n + 255) / 256, 8L * sms / tiles));
        return new int[] {(int) tiles, (int) splits};
    }

    @Override
    public double[] scatter() {
        ensureOpen();
        if (!wantScatter) {
            return null;
        }
        Stager st = backend.stager();
        double[] out = new double[d * d];
        try (DeviceMemory tmp = DeviceMemory.allocate(ctx, 8L * d * d)) {
            st.onCompute(() -> {
                Cuda.check(cuMemcpyDtoDAsync(tmp.ptr(), scatter.ptr(), 8L * d * d, st.compute.get()), "cuMemcpyDtoDAsync scatter");
                int grid = (int) Math.max(1, ((long) d * d + 255) / 256);
                ctx.launch(Kernel.MIRROR_UPPER_F64, grid, 1, 256, 0, st.compute.get(), tmp, d);
                st.sync();
                Cuda.check(cuMemcpyDtoH(Pointer.to(out), tmp.ptr(), 8L * d * d), "cuMemcpyDtoH scatter");
            });
        }
        return out;
    }

    @Override
    public double[] varNormSums() {
        ensureOpen();
        if (!wantVarNorms) {
            return null;
        }
        backend.stager().sync();
        double[] v = new double[k];
        Cuda.check(cuMemcpyDtoH(Pointer.to(v), varSums.ptr(), 8L * k), "cuMemcpyDtoH varnorm sums");
        return v;
    }

    @Override
    public long[] counts() {
        ensureOpen();
        return counts.clone();
    }

    @Override
    void release() {
        backend.stager().sync();
        try {
            means.close();
            if (scatter != null) {
                scatter.close();
            }
        } finally {
            varSums.close();
            backend.forget(this);
        }
    }
}
