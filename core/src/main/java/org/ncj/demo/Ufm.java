package org.ncj.demo;

import java.util.Random;

/**
 * The unconstrained-features model (Mixon et al. 2020; Zhu et al. 2021): free features
 * {@code H} (N×D, one row per sample) and a linear classifier {@code W} (K×D) with bias {@code b},
 * trained by plain full-batch gradient descent on
 *
 * <pre>
 *   L = (1/N) Σ_i CE(W h_i + b, y_i) + λ_W/2 ‖W‖² + λ_H/2 · (1/N) ‖H‖² + λ_b/2 ‖b‖²
 * </pre>
 *
 * Every feature row gets the step {@code lr · N} (its own per-sample learning rate, as if each
 * row were one sample's feature with the loss summed over samples); W and b get {@code lr}. Its
 * minimisers are neurally collapsed: the class means form a simplex ETF, features equal their
 * class mean, and W is aligned with the means.
 */
public final class Ufm {
    public final int k;
    public final int d;
    public final int perClass;
    public final int n;
    public final float[] h;
    public final int[] y;
    public final double[] w;
    public final double[] b;
    private final double lr;
    private final double lambdaW;
    private final double lambdaH;
    private final double lambdaB;
    private final double[] hd;
    private final double[] gw;
    private final double[] gb;
    private final double[] logits;
    private double lastLoss = Double.NaN;

    public Ufm(int k, int d, int perClass, double lr, double lambdaW, double lambdaH, double lambdaB, long seed) {
        this.k = k;
        this.d = d;
        this.perClass = perClass;
        this.n = k * perClass;
        this.lr = lr;
        this.lambdaW = lambdaW;
        this.lambdaH = lambdaH;
        this.lambdaB = lambdaB;
        Random rnd = new Random(seed);
        hd = new double[n * d];
        h = new float[n * d];
        y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i / perClass;
            for (int j = 0; j < d; j++) {
                hd[i * d + j] = rnd.nextGaussian();
            }
        }
        w = new double[k * d];
        for (int i = 0; i < w.length; i++) {
            w[i] = rnd.nextGaussian() * 0.1;
        }
        b = new double[k];
        gw = new double[k * d];
        gb = new double[k];
        logits = new double[k];
        sync();
    }

    private void sync() {
        for (int i = 0; i < hd.length; i++) {
            h[i] = (float) hd[i];
        }
    }

    /** The mean cross-entropy at the last step. */
    public double loss() {
        return lastLoss;
    }

    /** One full-batch gradient-descent step; refreshes {@link #h}. */
    public void step() {
        java.util.Arrays.fill(gw, 0);
        java.util.Arrays.fill(gb, 0);
        double loss = 0;
        double[] dz = new double[k];
        double[] dh = new double[d];
        double stepH = lr * n;
        double invN = 1.0 / n;
        for (int i = 0; i < n; i++) {
            int hi = i * d;
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < k; c++) {
                double z = b[c];
                int wc = c * d;
                for (int j = 0; j < d; j++) {
                    z += w[wc + j] * hd[hi + j];
                }
                logits[c] = z;
                max = Math.max(max, z);
            }
            double sum = 0;
            for (int c = 0; c < k; c++) {
                dz[c] = Math.exp(logits[c] - max);
                sum += dz[c];
            }
            loss += Math.log(sum) + max - logits[y[i]];
            for (int c = 0; c < k; c++) {
                dz[c] = (dz[c] / sum - (c == y[i] ? 1 : 0)) * invN;
            }
            java.util.Arrays.fill(dh, 0);
            for (int c = 0; c < k; c++) {
                double g = dz[c];
                gb[c] += g;
                int wc = c * d;
                for (int j = 0; j < d; j++) {
                    gw[wc + j] += g * hd[hi + j];
                    dh[j] += g * w[wc + j];
                }
            }
            for (int j = 0; j < d; j++) {
                hd[hi + j] -= stepH * (dh[j] + lambdaH * invN * hd[hi + j]);
            }
        }
        for (int i = 0; i < w.length; i++) {
            w[i] -= lr * (gw[i] + lambdaW * w[i]);
        }
        for (int c = 0; c < k; c++) {
            b[c] -= lr * (gb[c] + lambdaB * b[c]);
        }
        lastLoss = loss / n;
        sync();
    }
}
