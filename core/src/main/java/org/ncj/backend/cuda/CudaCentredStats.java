package org.ncj.backend.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;

import jcuda.Pointer;

import org.ncj.DType;
import org.ncj.backend.CentredStats;

/**
 * Second pass on the GPU: {@code nc_centre_*} centres each staged piece on its rows' class means,
 * adds the squared norms and the row counts to per-class device totals, and, when the scatter is
 * wanted, writes the centred piece into a scratch buffer that {@code nc_syrk_*} adds to the upper
 * triangle of the float64 scatter. Without the scatter the kernel gets a null output (variance
 * norms only): nothing is written per element and no scratch is allocated.
 */
public final class CudaCentredStats extends StagedOperation implements CentredStats {
    /** Scratch for centred device-resident rows per piece. */
    private static final long DEVICE_SCRATCH_BYTES = 256L << 20;

    private final boolean wantScatter;
    private final boolean wantVarNorms;
    private final DeviceMemory means;
    private final DeviceMemory scatter;
    private final DeviceMemory varSums;
    private final DeviceMemory counts;

    CudaCentredStats(DeviceSession session, double[] means, int k, int d, DType dtype, boolean scatter, boolean varNorms) {
        super(session, "CentredStats", "centred statistics", k, d, dtype);
        this.wantScatter = scatter;
        this.wantVarNorms = varNorms;
        try {
            this.means = allocate(8L * k * d);
            // On the stream whose kernels read them: a synchronous copy from pageable memory may
            // return before the data arrives, and non-blocking streams do not wait for it.
            Cuda.check(cuMemcpyHtoDAsync(this.means.ptr(), Pointer.to(means), 8L * k * d, stager.compute.get()),
                    "cuMemcpyHtoDAsync means");
            this.scatter = scatter ? zeroed(8L * d * d) : null;
            this.varSums = zeroed(8L * k);
            this.counts = zeroed(8L * k);
        } catch (RuntimeException e) {
            throw abandon(e);
        }
    }

    @Override
    public void reset(double[] newMeans) {
        ensureUsable();
        if (newMeans.length != (long) k * d) {
            throw new IllegalArgumentException("means of length " + newMeans.length + ", expected K·D = " + (long) k * d);
        }
        inOrder(stream -> {
            // In order on the compute stream: after the kernels of earlier batches that read the
            // old means, before the next ones (the pageable source is staged before the call returns).
            Cuda.check(cuMemcpyHtoDAsync(means.ptr(), Pointer.to(newMeans), 8L * k * d, stream), "cuMemcpyHtoDAsync means");
            if (scatter != null) {
                scatter.clear(stream);
            }
            varSums.clear(stream);
            counts.clear(stream);
        });
    }

    /** Bytes of one centred element in the scratch: only the scatter needs the centred rows. */
    private int xcBytes() {
        return wantScatter ? dtype.bytes() : 0;
    }

    @Override
    long scratchRowBytes() {
        return (long) xcBytes() * d;
    }

    /**
     * Device-resident rows need no staging: with the scatter, only the centred scratch is cut
     * into pieces (halved while it does not fit); without it, one launch.
     */
    @Override
    void launchDevice(long x, long y, long n, CudaStream stream) {
        if (!wantScatter) {
            launch(x, y, n, stream);
            return;
        }
        long rows = Math.max(1, Math.min(n, DEVICE_SCRATCH_BYTES / ((long) xcBytes() * d)));
        long done = 0;
        while (done < n) {
            long m = Math.min(rows, n - done);
            try {
                stager.scratch((long) xcBytes() * d * m);
            } catch (CudaOutOfMemoryException e) {
                if (rows == 1) {
                    throw e;
                }
                rows = Math.max(1, rows / 2); // out of memory: retry with smaller pieces
                continue;
            }
            launch(x + 4L * d * done, y + 4L * done, m, stream);
            done += m;
        }
    }

    /** Classes up to which {@code nc_centre_*} keeps per-block partials in shared memory (cuda/ABI.md). */
    static final int CENTRE_SHARED_K = 1024;

    /** Dynamic shared bytes of {@code nc_centre_*}: 16 per class up to {@link #CENTRE_SHARED_K}, else none. */
    static int centreShared(int k) {
        return k <= CENTRE_SHARED_K ? 16 * k : 0;
    }

    /** Grid of {@code nc_centre_*} (cuda/ABI.md): max(1, min(ceil(n/8), 4*SMs)). */
    static int centreGrid(long n, int sms) {
        return (int) Math.max(1, Math.min((n + 7) / 8, 4L * sms));
    }

    /** {@code nc_centre_*}, then with the scatter {@code nc_syrk_*} on the centred rows. */
    @Override
    void launch(long x, long y, long n, CudaStream stream) {
        DeviceMemory xc = wantScatter ? stager.scratch((long) xcBytes() * d * n) : null;
        ctx.launch(PtxEntry.of("nc_centre", dtype), centreGrid(n, ctx.sms), 1, 256, centreShared(k),
                stream.get(), x, y, n, d, k, means, xc, varSums, counts);
        if (wantScatter) {
            int[] g = syrkGrid(n, d, ctx.sms);
            ctx.launch(PtxEntry.of("nc_syrk", dtype), g[0], g[1], 256, 0, stream.get(),
                    xc, n, d, scatter);
        }
    }

    /** Tile edge of {@code nc_syrk_*} (cuda/ABI.md). */
    static final int SYRK_TILE = 128;

    /**
     * Grid of {@code nc_syrk_*} (cuda/ABI.md): {upper-triangle tile pairs T(T+1)/2 with
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
        ensureUsable();
        if (!wantScatter) {
            return null;
        }
        double[] out = new double[d * d];
        try (DeviceMemory tmp = DeviceMemory.allocate(ctx, 8L * d * d)) {
            stager.onCompute(() -> {
                Cuda.check(cuMemcpyDtoDAsync(tmp.ptr(), scatter.ptr(), 8L * d * d, stager.compute.get()),
                        "cuMemcpyDtoDAsync scatter");
                int grid = (int) Math.max(1, ((long) d * d + 255) / 256);
                ctx.launch(PtxEntry.MIRROR_UPPER_F64, grid, 1, 256, 0, stager.compute.get(), tmp, d);
                stager.sync();
                Cuda.check(cuMemcpyDtoH(Pointer.to(out), tmp.ptr(), 8L * d * d), "cuMemcpyDtoH scatter");
            });
        }
        return out;
    }

    @Override
    public double[] varNormSums() {
        ensureUsable();
        if (!wantVarNorms) {
            return null;
        }
        return readDoubles(varSums, k, "varnorm sums");
    }

    @Override
    public long[] counts() {
        return readLongs(counts, k, "counts");
    }
}
