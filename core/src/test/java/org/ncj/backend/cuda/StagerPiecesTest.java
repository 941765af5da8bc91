package org.ncj.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The staging piece schedule (no CUDA): whole batch covered once, pieces within a slot, ramps. */
class StagerPiecesTest {
    static List<Integer> schedule(long n, long rows) {
        List<Integer> out = new ArrayList<>();
        long done = 0;
        while (done < n) {
            int m = Stager.pieceRows(n, done, rows, out.size());
            assertTrue(m >= 1 && m <= rows, "piece of " + m + " rows in slots of " + rows);
            out.add(m);
            done += m;
        }
        assertEquals(n, done, "rows staged");
        return out;
    }

    @Test
    void coversEveryBatchExactlyOnce() {
        for (long rows : new long[] {1, 2, 63, 64, 100, 16_320}) {
            for (long n : new long[] {1, 2, 63, 64, 127, 128, 129, 1000, 16_320, 32_640, 32_641, 100_000, 524_288}) {
                schedule(n, Math.min(n, rows));
            }
        }
    }

    @Test
    void rampsOnlyBatchesOfSeveralSlots() {
        assertEquals(List.of(1000), schedule(1000, 1000));
        assertEquals(List.of(1000, 900), schedule(1900, 1000));
        List<Integer> big = schedule(896 + 9 * 1024, 1024); // ramp up, 8 slots, then a slot's worth halving
        assertEquals(List.of(128, 256, 512), big.subList(0, 3));
        assertEquals(List.of(512, 256, 128, 128), big.subList(big.size() - 4, big.size()));
        assertEquals(1024, (int) big.get(5));
        List<Integer> rest = schedule(896 + 9 * 1024 + 128, 1024); // a small remainder ends it anyway
        assertEquals(List.of(1024, 1024, 128), rest.subList(rest.size() - 3, rest.size()));
    }
}
