package org.ncj.backend.cpu;

import org.ncj.backend.Batch;
import org.ncj.backend.Decisions;

/**
 * Nearest-class-centre and linear decisions, evaluated directly in float64
 * ({@code ‖x − μ_c‖²} and {@code w_c·x + b_c}), so near-ties are decided exactly; ties go to the
 * lowest class index.
 */
final class CpuDecisions implements Decisions {
    private static final int ROW_BLOCK = 64;

    private final int k;
    private final int d;
    private final double[] means;
    private final double[] weights;
    private final double[] bias;
    private final int[] cand;
    private final long[] hits;
    private final long[] counts;

    CpuDecisions(double[] means, double[] weights, double[] bias, int[] candidates, int k, int d) {
        this.k = k;
        this.d = d;
        this.means = means.clone();
        this.weights = weights.clone();
        this.bias = bias == null ? null : bias.clone();
        this.cand = candidates.clone();
        this.hits = new long[k];
        this.counts = new long[k];
    }

    @Override
    public void add(Batch batch) {
        int n = batch.n();
        if (n == 0) {
            return;
        }
        float[] x = batch.array();
        int[] y = batch.labelArray();
        boolean[] agree = new boolean[n];
        CpuBackend.parallelFor((n + ROW_BLOCK - 1) / ROW_BLOCK, b -> {
            int r1 = Math.min(n, (b + 1) * ROW_BLOCK);
            for (int r = b * ROW_BLOCK; r < r1; r++) {
                agree[r] = nearest(x, r * d) == linear(x, r * d);
            }
        });
        for (int r = 0; r < n; r++) {
            counts[y[r]]++;
            if (agree[r]) {
                hits[y[r]]++;
            }
        }
    }

    /** argmin over candidates of ‖x − μ_c‖², lowest index on ties. */
    int nearest(float[] x, int o) {
        int best = -1;
        double bestD = Double.POSITIVE_INFINITY;
        for (int c : cand) {
            int mo = c * d;
            double s = 0;
            for (int j = 0; j < d; j++) {
                double v = x[o + j] - means[mo + j];
                s += v * v;
            }
            if (s < bestD || best < 0) {
                bestD = s;
                best = c;
            }
        }
        return best;
    }

    /** argmax over candidates of w_c·x + b_c, lowest index on ties. */
    int linear(float[] x, int o) {
        int best = -1;
        double bestS = Double.NEGATIVE_INFINITY;
        for (int c : cand) {
            int wo = c * d;
            double s = bias == null ? 0 : bias[c];
            for (int j = 0; j < d; j++) {
                s += weights[wo + j] * x[o + j];
            }
            if (s > bestS || best < 0) {
                bestS = s;
                best = c;
            }
        }
        return best;
    }

    @Override
    public long[] hits() {
        return hits.clone();
    }

    @Override
    public long[] counts() {
        return counts.clone();
    }

    @Override
    public void close() {
        // heap only
    }
}
