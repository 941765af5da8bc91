package org.ncj.backend.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;

import jcuda.Pointer;

import org.ncj.DType;
import org.ncj.backend.Batch;
import org.ncj.backend.ClassSums;

/**
 * Class sums and counts with float64 totals in device memory. Chooses the shared-memory kernel
 * when a block's private K×D copy fits in 48 KiB ({@code nc_class_sums_small_*}). Above that:
 * <ul>
 *   <li>host batches ({@link #add}): each staged piece's rows are grouped by label on the host
 *       (stable counting sort, {@link LabelSort}), {@code seg} (k+1 longs) and {@code order}
 *       (rows ints) are uploaded with the piece, and {@code nc_class_sums_sorted_*} sums each
 *       (class, column) in row order: coalesced, no atomics, deterministic. A piece so skewed
 *       that one class holds more than {@link #sortedMaxSegment} rows falls back to the
 *       atomic kernel (one block per class would serialize it);</li>
 *   <li>device-resident batches ({@link #addDevice}): {@code nc_class_sums_large_*}, each warp
 *       walks a contiguous run of rows keeping the column sums in registers while the label
 *       repeats and flushing them with float64 atomics when it changes (one flush per run for
 *       sorted or clustered labels, one atomic per element for random labels); not
 *       deterministic in the last bits.</li>
 * </ul>
 */
public final class CudaClassSums extends StagedOperation implements ClassSums {
    private static final int SMALL_SHARED_LIMIT = 48 * 1024;

    private final DeviceMemory sums;
    private final DeviceMemory counts;
    /** Counting-sort scratch (k+1), used under the stager's lock. */
    private int[] cursor;
    /** Largest class count of the piece last filled (stager lock: fill, then its kernel). */
    private int pieceMaxSegment;
    /** Pieces summed by the sorted / atomic kernel (host batches above the small-K limit). */
    long sortedPieces;
    long atomicPieces;

    CudaClassSums(DeviceSession session, int k, int d, DType dtype) {
        super(session, "ClassSums", "class sums", k, d, dtype);
        try {
            this.sums = zeroed(8L * k * d);
            this.counts = zeroed(8L * k);
        } catch (RuntimeException e) {
            throw abandon(e);
        }
    }

    /** Dynamic shared bytes of the small-K kernel (float32: also each class's first row in the block, k ints). */
    static long smallShared(int k, int d, DType dtype) {
        long firstRows = dtype == DType.FLOAT32 ? 4L * k : 0;
        return (long) dtype.bytes() * k * d + 4L * k + firstRows;
    }

    /** Whether the small-K (shared-memory) kernel is used for this shape. */
    static boolean usesSmall(int k, int d, DType dtype) {
        return smallShared(k, d, dtype) <= SMALL_SHARED_LIMIT;
    }

    /** Above the small-K limit, each piece's rows are grouped by label on the host for the sorted kernel. */
    @Override
    void stage(Batch batch) {
        if (usesSmall(k, d, dtype)) {
            super.stage(batch);
            return;
        }
        Stager.PieceExtra sort = new Stager.PieceExtra() {
            @Override
            public long fixedBytes() {
                return 8L * (k + 1);
            }

            @Override
            public long rowBytes() {
                return 4;
            }

            @Override
            public void fill(java.nio.IntBuffer labels, int first, int rows, java.nio.ByteBuffer dst) {
                if (cursor == null) {
                    cursor = new int[k + 1];
                }
                java.nio.LongBuffer seg = dst.asLongBuffer();
                dst.position((int) fixedBytes());
                java.nio.IntBuffer order = dst.slice().order(dst.order()).asIntBuffer();
                pieceMaxSegment = LabelSort.sort(labels, first, rows, k, seg, order, cursor);
            }
        };
        long segBytes = sort.fixedBytes();
        stager.stage(batch, 0, sort, (x, y, extra, n, stream) -> {
            if (pieceMaxSegment <= sortedMaxSegment(n, d)) {
                sortedPieces++;
                launchSorted(x, extra + segBytes, extra, stream);
            } else {
                atomicPieces++;
                launch(x, y, n, stream);
            }
        });
    }

    /**
     * Largest class count of a piece for which the sorted kernel is used: a (class, column) thread
     * walks its rows 8 loads at a time, so its serial chain (about maxSegment/8 dependent load
     * rounds) must stay within the time of the piece's host-to-device copy (n·d·4 bytes), which
     * it overlaps: at least 4096 rows, and n·d/2048 for large pieces.
     */
    static long sortedMaxSegment(long n, int d) {
        return Math.max(4096, n * d / 2048);
    }

    private void launchSorted(long x, long order, long seg, CudaStream stream) {
        ctx.launch(PtxEntry.of("nc_class_sums_sorted", dtype), k,
                (d + 255) / 256, 256, 0, stream.get(), x, order, seg, d, k, sums, counts);
    }

    /** The small-K kernel, or above it the atomic one (device-resident rows, skewed pieces). */
    @Override
    void launch(long x, long y, long n, CudaStream stream) {
        if (usesSmall(k, d, dtype)) {
            int grid = (int) Math.max(1, Math.min((n + 255) / 256, 4L * ctx.sms));
            ctx.launch(PtxEntry.of("nc_class_sums_small", dtype), grid, 1, 256,
                    (int) smallShared(k, d, dtype), stream.get(), x, y, n, d, k, sums, counts);
        } else {
            ctx.launch(PtxEntry.of("nc_class_sums_large", dtype), largeGrid(n, ctx.sms), 1, 256, 0,
                    stream.get(), x, y, n, d, k, sums, counts);
        }
    }

    /**
     * Grid of {@code nc_class_sums_large_*} (cuda/ABI.md): max(1, min(ceil(n/8), 3*SMs)), one
     * wave of the 3 blocks a multiprocessor holds; each warp then walks a contiguous run of rows.
     */
    static int largeGrid(long n, int sms) {
        return (int) Math.max(1, Math.min((n + 7) / 8, 3L * sms));
    }

    @Override
    public void reset() {
        // On the compute stream: after the kernels still adding to the totals, before the next ones.
        inOrder(stream -> {
            sums.clear(stream);
            counts.clear(stream);
        });
    }

    @Override
    public void addTotals(double[] otherSums, long[] otherCounts) {
        ensureUsable();
        double[] s = sums();
        long[] c = counts();
        for (int i = 0; i < s.length; i++) {
            s[i] += otherSums[i];
        }
        for (int i = 0; i < k; i++) {
            c[i] += otherCounts[i];
        }
        // On the compute stream, before the next batch's kernels add to the totals.
        inOrder(stream -> {
            Cuda.check(cuMemcpyHtoDAsync(sums.ptr(), Pointer.to(s), 8L * s.length, stream), "cuMemcpyHtoDAsync sums");
            Cuda.check(cuMemcpyHtoDAsync(counts.ptr(), Pointer.to(c), 8L * k, stream), "cuMemcpyHtoDAsync counts");
        });
    }

    @Override
    public double[] sums() {
        return readDoubles(sums, k * d, "sums");
    }

    @Override
    public long[] counts() {
        return readLongs(counts, k, "counts");
    }

    /** Device address of the K×D float64 sums (valid until close; synchronize before reading). */
    public long sumsAddress() {
        return sums.address();
    }
}
