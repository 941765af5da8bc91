package org.ncj.backend.cpu;

/** Row indices of a batch grouped by label (a stable counting sort). */
record Grouping(int[] order, int[] offsets) {

    static Grouping byLabel(int[] y, int k) {
        int[] offsets = new int[k + 1];
        for (int label : y) {
            offsets[label + 1]++;
        }
        for (int c = 0; c < k; c++) {
            offsets[c + 1] += offsets[c];
        }
        int[] next = java.util.Arrays.copyOf(offsets, k);
        int[] order = new int[y.length];
        for (int i = 0; i < y.length; i++) {
            order[next[y[i]]++] = i;
        }
        return new Grouping(order, offsets);
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
