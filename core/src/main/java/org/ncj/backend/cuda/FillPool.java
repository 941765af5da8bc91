package org.ncj.backend.cuda;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Copies floats into a staging buffer with several threads: a small fixed pool of daemon
 * threads plus the calling thread. One host thread copies a Java heap array (or a direct
 * buffer) into pinned memory at well under the host's memory bandwidth and well under a PCIe
 * 5 host-to-device copy, so the {@link Stager} splits each piece over this pool. No CUDA here.
 */
final class FillPool implements AutoCloseable {
    /** Smallest share of a copy given to one thread: 256 Ki floats (1 MiB). */
    static final int MIN_CHUNK_FLOATS = 1 << 18;
    /** Chunk boundaries are multiples of 16 floats (64-byte cache lines of the destination). */
    private static final int ALIGN_FLOATS = 16;

    private final int threads;
    private final ExecutorService pool;

    /** {@code threads} copying threads including the caller (1: the caller copies alone). */
    FillPool(int threads) {
        this.threads = Math.max(1, threads);
        this.pool = this.threads > 1 ? Executors.newFixedThreadPool(this.threads - 1, r -> {
            Thread t = new Thread(r, "ncj-cuda-stage-fill");
            t.setDaemon(true);
            return t;
        }) : null;
    }

    /** Default thread count: {@code ncj.cuda.stageThreads}, else min(12, available processors). */
    static int defaultThreads() {
        return Math.max(1, Integer.getInteger("ncj.cuda.stageThreads",
                Math.min(12, Runtime.getRuntime().availableProcessors())));
    }

    int threads() {
        return threads;
    }

    /**
     * Copies {@code count} floats of {@code src} from absolute index {@code from} into
     * {@code dst} from absolute index 0 (positions and limits of neither change; byte orders may
     * differ). {@code alsoOnCaller} runs on the calling thread while the pool copies. Returns
     * once every part is done (also when one failed: then its exception is rethrown).
     */
    void copy(FloatBuffer src, int from, FloatBuffer dst, int count, Runnable alsoOnCaller) {
        int parts = pool == null ? 1 : (int) Math.max(1, Math.min(threads, count / (long) MIN_CHUNK_FLOATS));
        if (parts == 1) {
            alsoOnCaller.run();
            dst.put(0, src, from, count);
            return;
        }
        long per = ((count + (long) parts - 1) / parts + ALIGN_FLOATS - 1) / ALIGN_FLOATS * ALIGN_FLOATS;
        List<Future<?>> pending = new ArrayList<>(parts - 1);
        Throwable failure = null;
        try {
            for (int p = 1; p < parts; p++) {
                long a = p * per;
                if (a >= count) {
                    break;
                }
                int at = (int) a;
                int len = (int) Math.min(count - a, per);
                FloatBuffer s = src.duplicate();
                FloatBuffer t = dst.duplicate();
                pending.add(pool.submit(() -> {
                    t.put(at, s, from + at, len);
                }));
            }
            alsoOnCaller.run();
            dst.put(0, src, from, (int) Math.min(count, per));
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        boolean interrupted = false;
        for (Future<?> f : pending) {
            while (true) {
                try {
                    f.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // a pool thread may still be writing dst: wait for it
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause();
                    }
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure instanceof RuntimeException r) {
            throw r;
        }
        if (failure instanceof Error err) {
            throw err;
        }
        if (failure != null) {
            throw new IllegalStateException("staging copy failed", failure);
        }
    }

    /** Stops the pool threads (idle when every copy was awaited). */
    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
