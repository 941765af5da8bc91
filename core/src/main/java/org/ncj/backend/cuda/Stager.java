package org.ncj.backend.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;

import org.ncj.backend.Batch;

/**
 * Moves host batches to the device through pinned memory, triple-buffered: three slots, a copy
 * stream and a compute stream. The host fills slot s while the copies of the other slots and
 * the kernels reading them are still running; events order the reuse:
 * <ul>
 *   <li>{@code copied[s]}: the H2D copy of slot s finished (host may refill its pinned buffer,
 *       compute may read its device buffer);</li>
 *   <li>{@code consumed[s]}: the kernels that read slot s finished (the copy may overwrite it).</li>
 * </ul>
 * Kernels run in order on the one compute stream, so totals never race between batches. Large
 * batches are cut into pieces of at most {@code stageBytes} per slot; when device memory runs
 * out the pieces are halved and the allocation retried.
 *
 * <p>Filling a slot (Java heap or direct buffer to pinned memory) is the host's share of the
 * pipeline, and one thread copies far below the host-to-device rate; each piece's floats are
 * therefore split into chunks of at least {@link FillPool#MIN_CHUNK_FLOATS} floats copied in
 * parallel by a {@link FillPool} owned by the stager (closed with it) and the calling thread,
 * which meanwhile copies the labels and writes the {@link PieceExtra} data.
 * {@code ncj.cuda.stageThreads} sets the number of copying threads including the caller
 * (default min(12, cores); 1 = no pool). With three slots, piece i+1 (and i+2) is filled
 * while piece i is copied and summed; a batch of two slots or more starts with smaller pieces
 * (1/8, 1/4, 1/2 of a slot) and ends with shrinking ones, so that the unoverlapped first fill
 * and last copy stay short.
 * A heap array cannot be copied asynchronously by the driver ({@code Pointer.to(float[])}
 * makes {@code cuMemcpyHtoDAsync} synchronous through a pageable bounce), hence the pinned slot.
 *
 * <p>Shared by all accumulators of a backend; every method is synchronized.
 */
final class Stager extends Resource {
    /** What to run on a staged piece: device addresses of x (rows×d floats) and labels (rows ints, or 0). */
    interface PieceKernel {
        void run(long x, long y, long rows, CudaStream compute);
    }

    /**
     * Per-piece host data uploaded with the piece, after x and the labels (8-byte aligned):
     * {@code fixedBytes() + rowBytes() * rows} bytes, written by {@link #fill} from the piece's
     * labels (rows {@code [first, first + rows)} of the batch's label buffer).
     */
    interface PieceExtra {
        long fixedBytes();

        long rowBytes();

        /** Writes the extra data into {@code dst} (native order, position 0, exactly the extra bytes). */
        void fill(IntBuffer labels, int first, int rows, ByteBuffer dst);
    }

    /** {@link PieceKernel} that also gets the device address of the piece's {@link PieceExtra} data. */
    interface PieceKernelExtra {
        void run(long x, long y, long extra, long rows, CudaStream compute);
    }

    private final CudaContext ctx;
    private final long stageBytes;
    final CudaStream copy;
    final CudaStream compute;
    private static final int SLOTS = 3;
    private final Slot[] slots = new Slot[SLOTS];
    private int next;
    private DeviceMemory scratch;
    /** Copies each piece into its pinned slot with several threads. */
    private final FillPool fill;

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
        for (int i = 0; i < SLOTS; i++) {
            slots[i] = new Slot();
        }
        this.fill = new FillPool(FillPool.defaultThreads());
    }

    /** Threads that copy a piece into pinned memory, the caller included. */
    int fillThreads() {
        return fill.threads();
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
        stage(batch, extraRowBytes, null, (x, y, e, m, s) -> kernel.run(x, y, m, s));
    }

    /**
     * As {@link #stage(Batch, long, PieceKernel)}, also uploading {@code extra}'s per-piece data
     * (needs labels) in the same copy, right after the labels at an 8-byte aligned offset.
     */
    synchronized void stage(Batch batch, long extraRowBytes, PieceExtra extra, PieceKernelExtra kernel) {
        ensureOpen();
        if (extra != null && batch.labels() == null) {
            throw new IllegalArgumentException("per-piece extra data needs labels");
        }
        ctx.makeCurrent();
        int n = batch.n();
        int d = batch.d();
        boolean labelled = batch.labels() != null;
        long rowBytes = 4L * d + (labelled ? 4 : 0);
        long rows = piece(n, rowBytes + extraRowBytes + (extra == null ? 0 : extra.rowBytes()));
        FloatBuffer x = batch.x();
        IntBuffer y = batch.labels();
        int xPos = x.position();
        int yPos = labelled ? y.position() : 0;
        int done = 0;
        int pieces = 0;
        while (done < n) {
            int m = pieceRows(n, done, rows, pieces);
            Slot s = slots[next];
            long xBytes = 4L * m * d;
            long yEnd = xBytes + (labelled ? 4L * m : 0);
            long extraOff = (yEnd + 7) & ~7L;
            long need = extra == null ? yEnd : extraOff + extra.fixedBytes() + extra.rowBytes() * m;
            try {
                s.ensure(Math.max(need, slotBytes(rows, d, labelled, extra))); // ramp pieces: size the slot once
                if (extraRowBytes > 0) {
                    scratch(extraRowBytes * rows); // sized for a whole slot, as the slot
                }
            } catch (CudaOutOfMemoryException e) {
                if (rows == 1) {
                    throw e;
                }
                rows = Math.max(1, rows / 2);
                continue;
            }
            next = (next + 1) % SLOTS;
            s.copied.sync();
            ByteBuffer hb = s.host.buffer();
            int first = done;
            int rowsHere = m;
            fill.copy(x, xPos + done * d, hb.asFloatBuffer(), m * d, () -> {
                if (labelled) {
                    ByteBuffer lb = hb.duplicate().order(hb.order());
                    lb.position((int) xBytes);
                    lb.slice().order(hb.order()).asIntBuffer().put(0, y, yPos + first, rowsHere);
                }
                if (extra != null) {
                    ByteBuffer eb = hb.duplicate().order(hb.order());
                    eb.limit((int) need).position((int) extraOff);
                    extra.fill(y, yPos + first, rowsHere, eb.slice().order(hb.order()));
                }
            });
            s.consumed.waitOn(copy);
            Cuda.check(cuMemcpyHtoDAsync(s.dev.ptr(), s.host.ptr(), need, copy.get()), "cuMemcpyHtoDAsync batch");
            s.copied.record(copy);
            s.copied.waitOn(compute);
            long xa = s.dev.address();
            kernel.run(xa, labelled ? xa + xBytes : 0L, extra == null ? 0L : xa + extraOff, m, compute);
            s.consumed.record(compute);
            done += m;
            pieces++;
        }
    }

    /**
     * Rows of piece number {@code pieces} (0-based) of a batch of {@code n} rows, {@code done}
     * staged, slots of {@code rows} rows: a batch of two slots or more starts with pieces of
     * rows/8, rows/4, rows/2 (its first fill is not overlapped) and ends with halving pieces down
     * to rows/8 (its last copy and kernels are not overlapped); other batches go by whole slots.
     */
    static int pieceRows(long n, long done, long rows, int pieces) {
        long rem = n - done;
        long m = Math.min(rows, rem);
        if (n >= 2 * rows && rows >= 64) {
            if (rem <= rows) {
                m = rem <= rows / 8 ? rem : Math.max(rows / 8, (rem + 1) / 2);
            }
            m = Math.min(m, rows >> Math.max(0, 3 - pieces));
        }
        return (int) m;
    }

    /** Pinned (and device) bytes of a piece of {@code m} rows: x, labels, then the extra data 8-byte aligned. */
    private static long slotBytes(long m, int d, boolean labelled, PieceExtra extra) {
        long yEnd = 4L * m * d + (labelled ? 4L * m : 0);
        return extra == null ? yEnd : ((yEnd + 7) & ~7L) + extra.fixedBytes() + extra.rowBytes() * m;
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

    /**
     * Frees the slots' pinned and device buffers and the scratch, after the work using them
     * finished; they are allocated again, as at first, by the next piece that needs them.
     * Returns the device bytes freed (0 when nothing was held).
     */
    synchronized long trim() {
        ensureOpen();
        ctx.makeCurrent();
        copy.sync();
        compute.sync();
        long freed = 0;
        for (Slot s : slots) {
            freed += s.dev == null ? 0 : s.dev.bytes();
            s.free();
        }
        if (scratch != null) {
            freed += scratch.bytes();
            scratch.close();
            scratch = null;
        }
        return freed;
    }

    /** Device bytes held by the slots and the scratch. */
    synchronized long deviceBytes() {
        long b = scratch == null ? 0 : scratch.bytes();
        for (Slot s : slots) {
            b += s.dev == null ? 0 : s.dev.bytes();
        }
        return b;
    }

    /** Waits for all staged work. */
    synchronized void sync() {
        ctx.makeCurrent();
        copy.sync();
        compute.sync();
    }

    @Override
    synchronized void release() {
        fill.close(); // idle: every copy was awaited under the lock
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
