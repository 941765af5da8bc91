package org.ncj.backend.cuda;

import org.ncj.DType;
import org.ncj.backend.Backend;
import org.ncj.backend.CentredStats;
import org.ncj.backend.ClassSums;
import org.ncj.backend.Decisions;
import org.ncj.backend.SymmetricEigen;
import org.ncj.pairwise.PairKernel;
import org.ncj.pairwise.PairStats;

/**
 * The CUDA backend on device 0, through the JCuda driver API and the precompiled PTX of
 * {@code cuda/} (see {@code cuda/ABI.md}); {@code eigh} through cuSOLVER bound with
 * {@code java.lang.foreign}, or the CPU when cuSOLVER is not found.
 *
 * <p>A façade over one {@link DeviceSession} (context, staging, cuSOLVER, the registry of open
 * operations), which every operation gets when it is made and uses alone. Accumulators
 * ({@link CudaClassSums}, {@link CudaCentredStats}, {@link CudaDecisions}: {@link StagedOperation}s)
 * keep their totals in device memory and take host batches through triple-buffered pinned
 * staging, or device-resident batches through {@code addDevice}. Closing the backend closes its
 * session: any accumulator still open is closed (with a warning) and the context released.
 * Where work runs on the CPU instead is listed in one place, {@link CpuFallback}.
 *
 * <p>System properties: {@code ncj.cuda.stageBytes} (bytes per staging slot, default 32 MiB),
 * {@code ncj.cuda.stageThreads} (threads copying a host batch into the pinned slots, the caller
 * included, default min(12, cores)),
 * {@code ncj.cuda.libpath} (folders holding {@code libcusolver.so.12}).
 */
public final class CudaBackend implements Backend {
    private final DeviceSession session;
    private final CudaContext ctx;
    private boolean closed;

    /**
     * Null when the CUDA backend can run here, else one line saying why not (no
     * {@code libcuda.so.1}, JCuda native failed to load, no device, driver too old for the PTX,
     * no PTX in this build). Never throws; the probe runs once and is cached.
     */
    public static String unavailableReason() {
        try {
            return CudaContext.unavailableReason();
        } catch (LinkageError e) {
            return "JCuda failed to load: " + e;
        }
    }

    /** Opens device 0. @throws org.ncj.backend.BackendUnavailableException when it cannot run here */
    public CudaBackend() {
        String why = unavailableReason();
        if (why != null) {
            throw new org.ncj.backend.BackendUnavailableException("CUDA backend unavailable: " + why);
        }
        session = new DeviceSession(Long.getLong("ncj.cuda.stageBytes", 32L << 20));
        ctx = session.context();
    }

    /** The session the operations of this backend run in (tests reach the context and stager through it). */
    DeviceSession session() {
        return session;
    }

    private synchronized void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("CUDA backend is closed");
        }
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String description() {
        String prefix = Emulator.active() ? "EMULATED CUDA (no GPU: native-tests/emudriver, " + Emulator.schedule()
                + " schedule): " : "";
        return prefix + String.format("%s, compute capability %d.%d, %d SMs, %.1f GiB, driver CUDA %s", ctx.name, ctx.ccMajor,
                ctx.ccMinor, ctx.sms, ctx.totalMem / (double) (1L << 30), Ptx.cudaVersion(ctx.driverVersion));
    }

    /** The {@link #description()}, so that printing a backend says what it is. */
    @Override
    public String toString() {
        return description();
    }

    /** {@code {free, total}} device memory in bytes ({@code cuMemGetInfo}). */
    public long[] memoryInfo() {
        return ctx.memInfo();
    }

    @Override
    public CudaClassSums classSums(int k, int d, DType dtype) {
        ensureOpen();
        return session.open(() -> new CudaClassSums(session, k, d, dtype));
    }

    @Override
    public CudaCentredStats centredStats(double[] means, int k, int d, DType dtype, boolean scatter, boolean varNorms) {
        ensureOpen();
        return session.open(() -> new CudaCentredStats(session, means, k, d, dtype, scatter, varNorms));
    }

    @Override
    public CudaDecisions decisions(double[] means, double[] weights, double[] bias, int[] candidates, int k, int d,
                                   DType dtype) {
        ensureOpen();
        return session.open(() -> new CudaDecisions(session, means, weights, bias, candidates, k, d, dtype));
    }

    /** See {@link CudaPairwise}: the tuned float32 GEMM tile (64 or 128), the fixed 64 in float64. */
    @Override
    public int pairwiseTile(int k, int d, DType dtype) {
        return CudaPairwise.plannedTile(tuningKey(), k, d, dtype);
    }

    @Override
    public int effectiveTile(int requested, DType dtype) {
        return CudaPairwise.effectiveTile(requested, dtype);
    }

    @Override
    public int[] tileCandidates(DType dtype) {
        return CudaPairwise.candidates(dtype);
    }

    /** {@code "cuda: <device name>, compute capability X.Y"} ({@code "cuda: emulated <name>, ..."} on the emulator). */
    @Override
    public String tuningKey() {
        return String.format(java.util.Locale.ROOT, "cuda: %s%s, compute capability %d.%d", Emulator.active() ? "emulated " : "",
                ctx.name, ctx.ccMajor, ctx.ccMinor);
    }

    /**
     * {@link DType#FLOAT32}: float32 GEMM tiles of {@link CudaPairwise#gemmTile} (64 or 128, the
     * nearest to {@code tileSize}); {@link DType#FLOAT64}: the float64 kernel, whose tile is 64
     * whatever {@code tileSize} says. See {@link CudaPairwise}.
     */
    @Override
    public PairStats pairwiseStats(double[] points, int k, int d, PairKernel kernel, int tileSize, DType dtype) {
        ensureOpen();
        CudaPairwise.checkTile(tileSize);
        return CudaPairwise.stats(session, points, k, d, kernel, CudaPairwise.form(dtype, tileSize));
    }

    /** As {@link #pairwiseStats(double[], int, int, PairKernel, int, DType)}, in row bands when K² doubles do not fit. */
    @Override
    public double[] pairwiseGrid(double[] points, int k, int d, PairKernel kernel, int tileSize, DType dtype) {
        ensureOpen();
        CudaPairwise.checkTile(tileSize);
        return CudaPairwise.grid(session, points, k, d, kernel, CudaPairwise.form(dtype, tileSize));
    }

    /** With cuSOLVER on the device, or on the CPU where cuSOLVER is missing ({@link CpuFallback#eigh}). */
    @Override
    public SymmetricEigen eigh(double[] a, int n) {
        ensureOpen();
        if (n == 0) {
            return new SymmetricEigen(new double[0], new double[0], 0);
        }
        return session.eigh(a, n);
    }

    /** Computed on the CPU (native BLAS where installed), like the eigen-decomposition without cuSOLVER ({@link CpuFallback}). */
    @Override
    public double[] gram(double[] a, int k, int d) {
        return CpuFallback.gram(a, k, d);
    }

    /** On the CPU, as {@link #gram}. */
    @Override
    public double[] multiplyTransposed(double[] a, int m, double[] b, int n, int d) {
        return CpuFallback.multiplyTransposed(a, m, b, n, d);
    }

    /** Which eigen-solver {@link #eigh} uses: the cuSOLVER library path, or why the CPU is used. */
    public String eighImplementation() {
        return session.eighImplementation();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("CUDA backend closed twice");
            }
            closed = true;
        }
        session.close();
    }
}
