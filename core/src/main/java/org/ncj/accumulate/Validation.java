package org.ncj.accumulate;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;

import org.ncj.backend.Batch;

/** Batch checks shared by every accumulator; each names the row (and column or value). */
final class Validation {
    private Validation() {
    }

    static void labels(Batch batch, int k) {
        IntBuffer y = batch.labels();
        int p = y.position();
        for (int i = 0; i < batch.n(); i++) {
            int label = y.get(p + i);
            if (label < 0 || label >= k) {
                throw new IllegalArgumentException("label " + label + " at row " + i + " is outside [0, " + k + ")");
            }
        }
    }

    static void finite(Batch batch) {
        FloatBuffer x = batch.x();
        int p = x.position();
        int len = batch.n() * batch.d();
        if (x.hasArray()) {
            float[] a = x.array();
            int off = x.arrayOffset() + p;
            for (int i = 0; i < len; i++) {
                if (!Float.isFinite(a[off + i])) {
                    throw nonFinite(a[off + i], i, batch.d());
                }
            }
        } else {
            for (int i = 0; i < len; i++) {
                float v = x.get(p + i);
                if (!Float.isFinite(v)) {
                    throw nonFinite(v, i, batch.d());
                }
            }
        }
    }

    private static IllegalArgumentException nonFinite(float v, int index, int d) {
        return new IllegalArgumentException("non-finite value " + v + " at row " + (index / d) + ", column " + (index % d));
    }

    /** Second-pass check: every label must name a class that has a mean. */
    static void labelsHaveMeans(Batch batch, Means means) {
        IntBuffer y = batch.labels();
        int p = y.position();
        for (int i = 0; i < batch.n(); i++) {
            int label = y.get(p + i);
            if (!means.isPresent(label)) {
                throw new IllegalArgumentException("label " + label + " at row " + i
                        + " has no class mean (class " + label + " had no samples in the mean pass)");
            }
        }
    }
}
