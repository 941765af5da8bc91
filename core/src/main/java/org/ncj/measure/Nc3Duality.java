package org.ncj.measure;

import static org.ncj.measure.MeasureSupport.CPU;
import static org.ncj.measure.MeasureSupport.checkClassifier;
import static org.ncj.measure.MeasureSupport.needClasses;
import static org.ncj.measure.MeasureSupport.scalb;
import static org.ncj.measure.MeasureSupport.unitExponent;

import java.util.Arrays;

import org.ncj.accumulate.Classifier;
import org.ncj.accumulate.Means;
import org.ncj.backend.Backend;

/**
 * NC3, self-duality: the classifier rows align with the centred class means. The Python package's
 * {@code self_duality_error}, {@code similarities}, {@code distance_norms} and the uniform duality
 * of NC3u, defined exactly in {@code docs/METRICS.md}, over the selected classes of the
 * {@link Means} (K below is their number). Overloads without a {@link Backend} run on the CPU.
 */
public final class Nc3Duality {
    private Nc3Duality() {
    }

    /** {@code nc3_dual_err}: the ETF error of {@code S = W M̃ᵀ} (W uncentred; Zhu et al. 2021). */
    public static double selfDualityError(Classifier w, Means m) {
        return selfDualityError(w, m, CPU);
    }

    /** As {@link #selfDualityError(Classifier, Means)}, the products on {@code backend}. */
    public static double selfDualityError(Classifier w, Means m, Backend backend) {
        return selfDualityError(w, m, backend, null);
    }

    /** @param centred the centred means when already computed, else null */
    static double selfDualityError(Classifier w, Means m, Backend backend, double[] centred) {
        checkClassifier(w, m);
        int k = needClasses(m, 2, "nc3_dual_err");
        return Nc2Geometry.structureError(centred != null ? centred : m.centred(), w.rows(m.selected()), k, m.dim(), backend);
    }

    /**
     * {@code similarities}: per selected class {@code ⟨w_c, m̃_c⟩}, or the cosine when {@code cosine}
     * (Wu &amp; Papyan 2024).
     */
    public static double[] similarities(Classifier w, Means m, boolean cosine) {
        return similarities(w, m, cosine, null);
    }

    static double[] similarities(Classifier w, Means m, boolean cosine, double[] centred) {
        checkClassifier(w, m);
        int k = m.numSelected();
        int d = m.dim();
        double[] mc = centred != null ? centred : m.centred();
        double[] wr = w.rows(m.selected());
        double[] out = new double[k];
        for (int c = 0; c < k; c++) {
            double dot = 0;
            double nw = 0;
            double nm = 0;
            for (int j = 0; j < d; j++) {
                dot += wr[c * d + j] * mc[c * d + j];
                nw += wr[c * d + j] * wr[c * d + j];
                nm += mc[c * d + j] * mc[c * d + j];
            }
            out[c] = cosine ? dot / (Math.sqrt(nw) * Math.sqrt(nm)) : dot;
        }
        return out;
    }

    /** {@code nc3u_uni_dual}: unbiased variance (÷(K−1)) of the dot-product similarities (Wu &amp; Papyan 2024). */
    public static double uniformDuality(Classifier w, Means m) {
        return uniformDuality(w, m, null);
    }

    static double uniformDuality(Classifier w, Means m, double[] centred) {
        needClasses(m, 2, "nc3u_uni_dual");
        double[] s = similarities(w, m, false, centred);
        double mean = Arrays.stream(s).average().orElseThrow();
        double ss = 0;
        for (double v : s) {
            ss += (v - mean) * (v - mean);
        }
        return ss / (s.length - 1);
    }

    /** {@code distance_norms}: per selected class {@code ‖normalize(w_c) − normalize(m̃_c)‖} (Wu &amp; Papyan 2024). */
    public static double[] distanceNorms(Classifier w, Means m) {
        checkClassifier(w, m);
        int k = m.numSelected();
        int d = m.dim();
        double eps = m.dtype().eps();
        double[] mc = m.centred();
        scalb(mc, unitExponent(mc, k, d)); // the eps below is absolute: make the norms' scale fixed
        double[] wr = w.rows(m.selected());
        double[] out = new double[k];
        for (int c = 0; c < k; c++) {
            double nw = 0;
            double nm = 0;
            for (int j = 0; j < d; j++) {
                nw += wr[c * d + j] * wr[c * d + j];
                nm += mc[c * d + j] * mc[c * d + j];
            }
            nw = Math.sqrt(nw) + eps;
            nm = Math.sqrt(nm) + eps;
            double s = 0;
            for (int j = 0; j < d; j++) {
                double diff = wr[c * d + j] / nw - mc[c * d + j] / nm;
                s += diff * diff;
            }
            out[c] = Math.sqrt(s);
        }
        return out;
    }
}
