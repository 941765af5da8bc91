package org.ncj.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** The staging copy split over threads (no CUDA): every float lands once, in place, any source. */
class FillPoolTest {
    static FloatBuffer direct(int n, ByteOrder order) {
        return ByteBuffer.allocateDirect(4 * n).order(order).asFloatBuffer();
    }

    static void check(FillPool pool, FloatBuffer src, int from, int count) {
        FloatBuffer dst = direct(count + 5, ByteOrder.nativeOrder());
        for (int i = 0; i < dst.capacity(); i++) {
            dst.put(i, -1f);
        }
        int srcPos = src.position();
        AtomicInteger callerRuns = new AtomicInteger();
        pool.copy(src, from, dst, count, callerRuns::incrementAndGet);
        assertEquals(1, callerRuns.get(), "caller work runs once");
        assertEquals(srcPos, src.position(), "source position untouched");
        assertEquals(0, dst.position(), "destination position untouched");
        for (int i = 0; i < count; i++) {
            if (dst.get(i) != src.get(from + i)) {
                assertEquals(src.get(from + i), dst.get(i), "float " + i + " of " + count);
            }
        }
        for (int i = count; i < dst.capacity(); i++) {
            assertEquals(-1f, dst.get(i), "nothing written past the copy");
        }
    }

    @Test
    void copiesHeapAndDirectSourcesOfEverySize() {
        int big = 5 * FillPool.MIN_CHUNK_FLOATS + 123;
        float[] a = new float[big + 77];
        for (int i = 0; i < a.length; i++) {
            a[i] = i * 0.5f + 1;
        }
        FloatBuffer heap = FloatBuffer.wrap(a);
        FloatBuffer be = direct(a.length, ByteOrder.BIG_ENDIAN).put(0, a);
        FloatBuffer ne = direct(a.length, ByteOrder.nativeOrder()).put(0, a);
        for (int threads : new int[] {1, 2, 3, 8}) {
            try (FillPool pool = new FillPool(threads)) {
                assertEquals(threads, pool.threads());
                for (FloatBuffer src : new FloatBuffer[] {heap, be, ne}) {
                    for (int count : new int[] {0, 1, 17, FillPool.MIN_CHUNK_FLOATS, 2 * FillPool.MIN_CHUNK_FLOATS - 1,
                            2 * FillPool.MIN_CHUNK_FLOATS, big}) {
                        check(pool, src, 0, count);
                        check(pool, src, 77, count);
                    }
                }
            }
        }
    }

    @Test
    void failuresSurfaceAfterEveryPartFinished() {
        try (FillPool pool = new FillPool(4)) {
            int count = 4 * FillPool.MIN_CHUNK_FLOATS;
            FloatBuffer src = FloatBuffer.allocate(count);
            FloatBuffer small = direct(count / 2, ByteOrder.nativeOrder());
            assertThrows(IndexOutOfBoundsException.class, () -> pool.copy(src, 0, small, count, () -> { }));
            assertThrows(IllegalStateException.class, () -> pool.copy(src, 0, direct(count, ByteOrder.nativeOrder()), count, () -> {
                throw new IllegalStateException("caller work failed");
            }));
            check(pool, src, 0, count); // still usable
        }
    }
}
