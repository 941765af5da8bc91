package org.ncj.backend.cuda;

import java.nio.IntBuffer;
import java.nio.LongBuffer;

/**
 * Host-side stable counting sort of a piece's labels for {@code nc_class_sums_sorted_*}
 * (as {@code org.ncj.backend.cpu.Grouping} does, O(n + k)): {@code seg} gets the k+1 offsets
 * of each class's run in {@code order}, {@code order} the piece-local row ids grouped by
 * label, ascending within a class.
 */
final class LabelSort {
    private LabelSort() {
    }

    /**
     * Sorts labels {@code y[first, first + rows)} (absolute indices) with {@code k} classes into
     * {@code seg} (k+1 entries from index 0) and {@code order} (rows entries from index 0, row
     * ids 0..rows-1). {@code cursor} is scratch of at least k+1 ints. Returns the largest
     * class count. Throws {@link IllegalArgumentException} for a label outside [0, k).
     */
    static int sort(IntBuffer y, int first, int rows, int k, LongBuffer seg, IntBuffer order, int[] cursor) {
        java.util.Arrays.fill(cursor, 0, k + 1, 0);
        for (int i = 0; i < rows; i++) {
            int c = y.get(first + i);
            if (c < 0 || c >= k) {
                throw new IllegalArgumentException("label " + c + " at row " + i + " of the piece is outside [0, " + k + ")");
            }
            cursor[c + 1]++;
        }
        int max = 0;
        for (int c = 0; c < k; c++) {
            max = Math.max(max, cursor[c + 1]);
            cursor[c + 1] += cursor[c];
        }
        for (int c = 0; c <= k; c++) {
            seg.put(c, cursor[c]);
        }
        for (int i = 0; i < rows; i++) {
            order.put(cursor[y.get(first + i)]++, i);
        }
        return max;
    }
}
