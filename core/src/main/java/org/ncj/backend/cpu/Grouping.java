package org.ncj.backend.cpu;

/**
 * Row indices of a batch grouped by label (a stable counting sort). The counts come first; the
 * row order, a second pass that scatters every row index, only when {@link #order} is asked for
 * (the streamed class sums need the present classes alone: the order was 0.56 ms of a 16 ms pass
 * on 131,072 rows).
 */
final class Grouping {
    private final int[] y;
    private final int[] offsets;
    private int[] order;

    private Grouping(int[] y, int[] offsets) {
        this.y = y;
        this.offsets = offsets;
    }

    static Grouping byLabel(int[] y, int k) {
        int[] offsets = new int[k + 1];
        for (int label : y) {
            offsets[label + 1]++;
        }
        for (int c = 0; c < k; c++) {
            offsets[c + 1] += offsets[c];
        }
        return new Grouping(y, offsets);
    }

    /** The row indices, class by class, each class's rows in their batch order. Not thread-safe the first time. */
    int[] order() {
        if (order == null) {
            int[] next = java.util.Arrays.copyOf(offsets, offsets.length - 1);
            int[] o = new int[y.length];
            for (int i = 0; i < y.length; i++) {
                o[next[y[i]]++] = i;
            }
            order = o;
        }
        return order;
    }

    int start(int c) {
        return offsets[c];
    }

    int end(int c) {
        return offsets[c + 1];
    }

    int count(int c) {
        return offsets[c + 1] - offsets[c];
    }

    /** Classes with at least one row in this batch, ascending. */
    int[] presentClasses() {
        int k = offsets.length - 1;
        int m = 0;
        for (int c = 0; c < k; c++) {
            if (count(c) > 0) {
                m++;
            }
        }
        int[] p = new int[m];
        m = 0;
        for (int c = 0; c < k; c++) {
            if (count(c) > 0) {
                p[m++] = c;
            }
        }
        return p;
    }
}
