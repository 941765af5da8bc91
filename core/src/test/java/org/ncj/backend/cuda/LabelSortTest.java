package org.ncj.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

/** The host counting sort behind {@code nc_class_sums_sorted_*} (runs without a GPU). */
class LabelSortTest {

    private static void check(int[] labels, int first, int rows, int k) {
        IntBuffer y = IntBuffer.wrap(labels);
        ByteBuffer raw = ByteBuffer.allocateDirect(8 * (k + 1) + 4 * rows).order(ByteOrder.nativeOrder());
        LongBuffer seg = raw.asLongBuffer();
        raw.position(8 * (k + 1));
        IntBuffer order = raw.slice().order(ByteOrder.nativeOrder()).asIntBuffer();
        int max = LabelSort.sort(y, first, rows, k, seg, order, new int[k + 1]);

        Integer[] want = IntStream.range(0, rows).boxed().toArray(Integer[]::new);
        Arrays.sort(want, Comparator.comparingInt(i -> labels[first + i])); // stable
        int[] got = new int[rows];
        order.get(0, got);
        assertArrayEquals(Arrays.stream(want).mapToInt(Integer::intValue).toArray(), got, "order");
        long[] counts = new long[k];
        for (int i = 0; i < rows; i++) {
            counts[labels[first + i]]++;
        }
        long at = 0;
        int wantMax = 0;
        for (int c = 0; c < k; c++) {
            assertEquals(at, seg.get(c), "seg[" + c + "]");
            at += counts[c];
            wantMax = (int) Math.max(wantMax, counts[c]);
        }
        assertEquals(rows, seg.get(k), "seg[k]");
        assertEquals(wantMax, max, "largest class");
    }

    @Test
    void groupsRowsByLabelStably() {
        SplittableRandom r = new SplittableRandom(7);
        for (int k : new int[] {1, 2, 3, 300, 50257}) {
            for (int n : new int[] {0, 1, 17, 5000}) {
                int[] y = r.ints(n + 9, 0, k).toArray();
                check(y, 0, n, k);
                check(y, 9, n, k); // a piece starting inside the batch
            }
        }
        int[] skew = new int[1000];
        Arrays.fill(skew, 500, 1000, 4);
        check(skew, 0, 1000, 5);
    }

    @Test
    void rejectsLabelsOutOfRange() {
        IntBuffer y = IntBuffer.wrap(new int[] {0, 3, 1});
        LongBuffer seg = LongBuffer.allocate(4);
        IntBuffer order = IntBuffer.allocate(3);
        assertThrows(IllegalArgumentException.class, () -> LabelSort.sort(y, 0, 3, 3, seg, order, new int[4]));
        IntBuffer neg = IntBuffer.wrap(new int[] {-1});
        assertThrows(IllegalArgumentException.class, () -> LabelSort.sort(neg, 0, 1, 3, seg, order, new int[4]));
    }

    @Test
    void sortedKernelLimitGrowsWithPieceSize() {
        assertEquals(4096, CudaClassSums.sortedMaxSegment(16384, 512));
        assertEquals(1L << 18, CudaClassSums.sortedMaxSegment(1L << 20, 512));
    }
}
