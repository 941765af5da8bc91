package org.ncj.backend.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import jcuda.driver.CUstream;

import org.ncj.DType;
import org.ncj.backend.Batch;

/**
 * Base of the accumulating CUDA operations ({@link CudaClassSums}, {@link CudaCentredStats},
 * {@link CudaDecisions}): totals in device memory, fed labelled rows in two ways that both end
 * in the one hook {@link #launch}:
 * <ul>
 *   <li>{@link #add}: a host batch, staged piece by piece through the session's {@link Stager}
 *       ({@link #stage}); returns without waiting for the kernels;</li>
 *   <li>{@link #addDevice}: rows already on the device, launched on the compute stream
 *       ({@link #launchDevice}); returns after the kernels finished reading them.</li>
 * </ul>
 * Work that must fall between batches (clearing or replacing totals) goes through
 * {@link #inOrder}; totals are read after all staged work ({@link #readDoubles},
 * {@link #readLongs}). The buffers allocated through {@link #allocate} and {@link #zeroed} are
 * owned here and freed when the operation closes, which also takes it off its session's
 * registry. A constructor that fails after allocating calls {@link #abandon}.
 */
abstract class StagedOperation extends Resource {
    final DeviceSession session;
    final CudaContext ctx;
    final Stager stager;
    final int k;
    final int d;
    final DType dtype;
    /** Names the operation in errors, e.g. {@code ClassSums(k=3, d=5, FLOAT32)}. */
    private final String what;
    /** What the rows are for, in the "need labels" error (e.g. "class sums"). */
    private final String purpose;
    private final List<DeviceMemory> owned = new ArrayList<>();

    StagedOperation(DeviceSession session, String kind, String purpose, int k, int d, DType dtype) {
        super(kind + "(k=" + k + ", d=" + d + ", " + dtype + ")");
        this.session = session;
        this.ctx = session.context();
        this.stager = session.stager();
        this.what = kind + "(k=" + k + ", d=" + d + ", " + dtype + ")";
        this.purpose = purpose;
        this.k = k;
        this.d = d;
        this.dtype = dtype;
    }

    /**
     * The launch hook: runs the operation's kernels on {@code n} labelled rows at device
     * addresses {@code x} (n×d floats) and {@code y} (n ints), in order on {@code stream}.
     */
    abstract void launch(long x, long y, long n, CudaStream stream);

    /**
     * Adds a labelled host batch (an empty one changes nothing); returns without waiting for the
     * kernels, which run in order on the compute stream.
     */
    public final void add(Batch batch) {
        ensureUsable();
        if (batch.labels() == null) {
            throw new IllegalArgumentException(purpose + " need labels");
        }
        if (batch.n() == 0) {
            return;
        }
        stage(batch);
    }

    /** Stages a non-empty labelled batch; by default each piece goes to {@link #launch}. */
    void stage(Batch batch) {
        stager.stage(batch, scratchRowBytes(), this::launch);
    }

    /** Bytes of the stager's scratch each staged row needs (see {@link Stager#scratch}); none by default. */
    long scratchRowBytes() {
        return 0;
    }

    /**
     * Adds {@code n} rows that already live on the device: {@code x} is the address of n×d floats
     * (row-major), {@code y} of n ints, valid labels in [0, k) (for centred statistics, of
     * classes with means; for decisions, any class). The caller's writes to them must be complete
     * (synchronize the producing stream); returns after the kernels finished reading them.
     */
    public final void addDevice(long x, long y, long n) {
        ensureUsable();
        if (n <= 0) {
            return;
        }
        stager.onCompute(() -> {
            launchDevice(x, y, n, stager.compute);
            stager.compute.sync();
        });
    }

    /** Device-resident rows, under the stager's lock; by default one {@link #launch}. */
    void launchDevice(long x, long y, long n, CudaStream stream) {
        launch(x, y, n, stream);
    }

    /** Runs {@code work} on the compute stream: after the kernels of earlier batches, before the next ones. */
    final void inOrder(Consumer<CUstream> work) {
        ensureUsable();
        stager.onCompute(() -> work.accept(stager.compute.get()));
    }

    /** The first {@code n} float64 values of {@code m}, after all staged work. */
    final double[] readDoubles(DeviceMemory m, int n, String name) {
        ensureUsable();
        stager.sync();
        return m.readDoubles(n, name);
    }

    /** The first {@code n} 64-bit integers of {@code m}, after all staged work. */
    final long[] readLongs(DeviceMemory m, int n, String name) {
        ensureUsable();
        stager.sync();
        return m.readLongs(n, name);
    }

    /** Fails when this operation or its session is closed, naming the operation. */
    final void ensureUsable() {
        session.checkUsable(what);
        ensureOpen();
    }

    /** Device memory owned by this operation (freed on close). */
    final DeviceMemory allocate(long bytes) {
        DeviceMemory m = session.allocate(bytes);
        owned.add(m);
        return m;
    }

    /** As {@link #allocate}, zeroed in order on the compute stream (before the kernels that add to it). */
    final DeviceMemory zeroed(long bytes) {
        DeviceMemory m = allocate(bytes);
        m.clear(stager.compute.get());
        return m;
    }

    /** For a constructor that failed: frees what it allocated; returns {@code e} to throw. */
    final RuntimeException abandon(RuntimeException e) {
        try {
            close();
        } catch (RuntimeException suppressed) {
            e.addSuppressed(suppressed);
        }
        return e;
    }

    /** After the staged work: frees the owned buffers in order of allocation, then leaves the session's registry. */
    @Override
    final void release() {
        stager.sync();
        RuntimeException failure = null;
        try {
            for (DeviceMemory m : owned) {
                try {
                    m.close();
                } catch (RuntimeException e) {
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
        } finally {
            owned.clear();
            session.forget(this);
        }
        if (failure != null) {
            throw failure;
        }
    }
}
