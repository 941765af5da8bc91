package org.ncj.accumulate;

import java.util.Arrays;

import org.ncj.backend.Backend;
import org.ncj.backend.Batch;
import org.ncj.backend.CentredStats;

/**
 * Per-class covariances {@code Σ_c = (1/n_c) Σ_{y_i=c} (x_i − μ_c)(x_i − μ_c)ᵀ} (K×D×D in all)
 * within a memory budget: when {@code K·D²·8} bytes exceed it, classes are processed in chunks,
 * one pass over the data per chunk, and each Σ_c is handed to a consumer as soon as its chunk is
 * done, so at most one chunk of matrices is held at a time.
 */
public final class PerClassCovariance {
    private PerClassCovariance() {
    }

    /** Receives one class's covariance (row-major D×D, only valid during the call). */
    @FunctionalInterface
    public interface Consumer {
        void accept(int classId, long count, double[] sigma);
    }

    /** Passes over the data needed for {@code classes} classes of dimension {@code d} within {@code budgetBytes}. */
    public static int passes(int classes, int d, long budgetBytes) {
        long perClass = 8L * d * d;
        long chunk = Math.max(1, budgetBytes / perClass);
        return (int) ((classes + chunk - 1) / chunk);
    }

    /**
     * Streams {@code data} once per chunk of the selected classes of {@code means} and hands each
     * class's Σ_c to {@code consumer}, in class order.
     *
     * @param data        re-iterable labelled batches (each pass calls {@code iterator()} once); labels
     *                    of classes outside the selection are skipped, labels outside [0, K) or of
     *                    classes without a mean are an error
     * @param budgetBytes memory for the per-class matrices held at once
     * @return the number of passes made over the data
     */
    public static int compute(Backend backend, Means means, Iterable<Batch> data, long budgetBytes, Consumer consumer) {
        int k = means.numClasses();
        int d = means.dim();
        int[] sel = means.selected();
        int chunk = (int) Math.min(sel.length, Math.max(1, budgetBytes / (8L * d * d)));
        int passes = 0;
        double[] allMeans = means.meansView();
        for (int c0 = 0; c0 < sel.length; c0 += chunk) {
            int c1 = Math.min(sel.length, c0 + chunk);
            int[] slot = new int[k];
            Arrays.fill(slot, -1);
            CentredStats[] stats = new CentredStats[c1 - c0];
            try {
                for (int s = c0; s < c1; s++) {
                    slot[sel[s]] = s - c0;
                    stats[s - c0] = backend.centredStats(Arrays.copyOfRange(allMeans, sel[s] * d, (sel[s] + 1) * d), 1, d,
                            means.dtype(), true, false);
                }
                for (Batch b : data) {
                    if (b.d() != d) {
                        throw new IllegalArgumentException("batch has dimension d = " + b.d() + " but the means have D = " + d);
                    }
                    Validation.labels(b, k);
                    Validation.finite(b);
                    Validation.labelsHaveMeans(b, means);
                    addRows(b, slot, stats, d);
                }
                passes++;
                for (int s = c0; s < c1; s++) {
                    long n = stats[s - c0].counts()[0];
                    double[] sigma = stats[s - c0].scatter();
                    for (int i = 0; i < sigma.length; i++) {
                        sigma[i] = n == 0 ? Double.NaN : sigma[i] / n;
                    }
                    consumer.accept(sel[s], n, sigma);
                }
            } finally {
                for (CentredStats st : stats) {
                    if (st != null) {
                        st.close();
                    }
                }
            }
        }
        return passes;
    }

    /** Gathers each chunk class's rows of a batch into one sub-batch (labels 0) and adds it. */
    private static void addRows(Batch b, int[] slot, CentredStats[] stats, int d) {
        float[] x = b.array();
        int[] y = b.labelArray();
        int[] rows = new int[stats.length];
        for (int label : y) {
            if (slot[label] >= 0) {
                rows[slot[label]]++;
            }
        }
        float[][] parts = new float[stats.length][];
        int[] fill = new int[stats.length];
        for (int s = 0; s < stats.length; s++) {
            parts[s] = new float[rows[s] * d];
        }
        for (int i = 0; i < y.length; i++) {
            int s = slot[y[i]];
            if (s >= 0) {
                System.arraycopy(x, i * d, parts[s], fill[s] * d, d);
                fill[s]++;
            }
        }
        for (int s = 0; s < stats.length; s++) {
            if (rows[s] > 0) {
                stats[s].add(Batch.of(parts[s], rows[s], d, new int[rows[s]]));
            }
        }
    }
}
