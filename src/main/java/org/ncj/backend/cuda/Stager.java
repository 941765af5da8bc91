package org.ncj.backend.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;

import org.ncj.backend.Batch;

/**
 * Moves host batches to the device through pinned memory, double-buffered: two slots, a copy
 * stream and a compute stream. The host fills slot s while the copy of the other slot or the
 * kernels reading it are still running; events order the reuse:
 * <ul>
 *   <li>{@code copied[s]}: the H2D copy of slot s finished (host may refill its pinned buffer,
 *       compute may read its device buffer);</li>
 *   <li>{@code consumed[s]}: the kernels that read slot s finished (the copy may overwrite it).</li>
 * </ul>
 * Kernels run in order on the one compute stream, so totals never race between batches. Large
 * batches are cut into pieces of at most {@code stageBytes} per slot; when device memory runs
 * out the pieces are halved and the allocation retried.
 *
 * <p>Shared by all accumulators of a backend; every method is synchronized.
 */
final class Stager extends Resource {
    /** What to run on a staged piece: device addresses of x (rows×d floats) and labels (rows ints, or 0). */
    interface PieceKernel {
        void run(long x, long y, long rows, CudaStream compute);
    }

    private final CudaContext ctx;
    private final long stageBytes;
    final CudaStream copy;
    final CudaStream compute;
    private final Slot[] slots = new Slot[2];
    private int next;
    private DeviceMemory scratch;

    private final class Slot {
        PinnedMemory host;
        DeviceMemory dev;
        final CudaEvent copied = new CudaEvent(ctx);
        final CudaEvent consumed = new CudaEvent(ctx);

        void ensure(long bytes) {
            if (host != null && host.bytes() >= bytes) {
                return;
            }
            copied.sync();
            consumed.sync();
            free();
            host = PinnedMemory.allocate(ctx, bytes);
            try {
                dev = DeviceMemory.allocate(ctx, bytes);
            } catch (RuntimeException e) {
                host.close();
                host = null;
                throw e;
            }
        }

        void free() {
            if (host != null) {
                host.close();
                host = null;
            }
            if (dev != null) {
                dev.close();
                dev = null;
            }
        }
    }

    Stager(CudaContext ctx, long stageBytes) {
        super("batch stager");
        this.ctx = ctx;
        this.stageBytes = stageBytes;
        this.copy = new CudaStream(ctx, "copy");
        this.compute = new CudaStream(ctx, "compute");
        slots[0] = new Slot();
        slots[1] = new Slot();
    }

    /** Rows per piece for a row of {@code rowBytes} bytes (at least 1). */
    long piece(long n, long rowBytes) {
        return Math.max(1, Math.min(n, stageBytes / rowBytes));
    }

    /**
     * Stages {@code batch} piece by piece and calls {@code kernel} on each piece on the compute
     * stream. {@code extraRowBytes} is the scratch the kernel needs per row (see {@link #scratch}).
     * Returns without waiting for the kernels.
     */
    synchronized void stage(Batch batch, long extraRowBytes, PieceKernel kernel) {
        ensureOpen();
        ctx.makeCurrent();
        int n = batch.n();
        int d = batch.d();
        boolean labelled = batch.labels() != null;
        long rowBytes = 4L * d + (labelled ? 4 : 0);
        long rows = piece(n, rowBytes + extraRowBytes);
        FloatBuffer x = batch.x();
        IntBuffer y = batch.labels();
        int xPos = x.position();
        int yPos = labelled ? y.position() : 0;
        int done = 0;
        while (done < n) {
            int m = (int) Math.min(rows, n - done);
            Slot s = slots[next];
            long xBytes = 4L * m * d;
            long need = xBytes + (labelled ? 4L * m : 0);
            try {
                s.ensure(need);
                if (extraRowBytes > 0) {
                    scratch(extraRowBytes * m);
                }
            } catch (CudaOutOfMemoryException e) {
                if (rows == 1) {
                    throw e;
                }
                rows = Math.max(1, rows / 2);
                continue;
            }
            next ^= 1;
            s.copied.sync();
            ByteBuffer hb = s.host.buffer();
            hb.asFloatBuffer().put(0, x, xPos + done * d, m * d);
            if (labelled) {
                hb.position((int) xBytes);
                hb.slice().order(hb.order()).asIntBuffer().put(0, y, yPos + done, m);
            }
            s.consumed.waitOn(copy);
            Cuda.check(cuMemcpyHtoDAsync(s.dev.ptr(), s.host.ptr(), need, copy.get()), "cuMemcpyHtoDAsync batch");
            s.copied.record(copy);
            s.copied.waitOn(compute);
            long xa = s.dev.address();
            kernel.run(xa, labelled ? xa + xBytes : 0L, m, compute);
            s.consumed.record(compute);
            done += m;
        }
    }

    /** Runs work on the compute stream (for device-resident batches), under the stager's lock. */
    synchronized void onCompute(Runnable work) {
        ensureOpen();
        ctx.makeCurrent();
        work.run();
    }

    /** A device scratch buffer of at least {@code bytes}, reused by kernels on the compute stream. */
    synchronized DeviceMemory scratch(long bytes) {
        if (scratch == null || scratch.bytes() < bytes) {
            compute.sync();
            if (scratch != null) {
                scratch.close();
                scratch = null;
            }
            scratch = DeviceMemory.allocate(ctx, bytes);
        }
        return scratch;
    }

    /** Waits for all staged work. */
    synchronized void sync() {
        ctx.makeCurrent();
        copy.sync();
        compute.sync();
    }

    @Override
    synchronized void release() {
        ctx.makeCurrent();
        copy.sync();
        compute.sync();
        for (Slot s : slots) {
            s.free();
            s.copied.close();
            s.consumed.close();
        }
        if (scratch != null) {
            scratch.close();
        }
        copy.close();
        compute.close();
    }
}
