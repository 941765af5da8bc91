package org.ncj.measure;

import java.util.Arrays;

import org.ncj.DType;
import org.ncj.accumulate.Classifier;
import org.ncj.accumulate.Means;
import org.ncj.backend.Backend;
import org.ncj.backend.cpu.CpuBackend;
import org.ncj.pairwise.PairKernel;
import org.ncj.pairwise.PairStats;

/**
 * What the measure families share: the CPU backend of the overloads that take none, the
 * power-of-two scaling of rows ({@link #unitExponent}, {@link #scalb}), the normalised centred
 * means, norms and the argument checks with their messages.
 */
final class MeasureSupport {
    /** The backend of the overloads without one: the CPU (it holds nothing, so one serves all). */
    static final Backend CPU = new CpuBackend();

    /** Binary exponent of the largest centred-mean norm the normalising measures work at. */
    static final int NORM_EXPONENT = 10;

    private MeasureSupport() {
    }

    /**
     * {@link Backend#pairwiseStats} of {@code kernel} over the pairs of {@code rows} at
     * {@code dtype}: at the tile the backend plans, or at {@code tileOverride} when it is not 0.
     */
    static PairStats pairStats(Backend backend, double[] rows, int k, int d, PairKernel kernel, DType dtype,
                               int tileOverride) {
        return tileOverride == 0 ? backend.pairwiseStats(rows, k, d, kernel, dtype)
                : backend.pairwiseStats(rows, k, d, kernel, tileOverride, dtype);
    }

    /**
     * The exponent e that brings the largest row norm of row-major {@code rows} (k×d) into
     * [2¹⁰, 2¹¹), or 0 when every row is zero. Scaling by 2ᵉ is exact, so a measure computed on
     * the scaled rows is that of the rows themselves, free of float32 overflow/underflow on a
     * device, and the absolute {@code + eps} of the reference's {@code normalize(v) = v/(‖v‖ + eps)}
     * then guards the division (zero rows are refused anyway) while moving the value by less than
     * eps·2⁻¹⁰: the measures become scale-free (issue 12, item 12) and, in float32, no longer
     * differ from float64 by the float32 eps (the golden {@code small} case: 2.4·10⁻⁵ → 2.4·10⁻⁷).
     */
    static int unitExponent(double[] rows, int k, int d) {
        double max = 0;
        for (int c = 0; c < k; c++) {
            max = Math.max(max, norm(rows, c * d, d));
        }
        return max == 0 || !Double.isFinite(max) ? 0 : NORM_EXPONENT - Math.getExponent(max);
    }

    /** In place {@code v·2ᵉ}. */
    static void scalb(double[] v, int e) {
        if (e != 0) {
            for (int i = 0; i < v.length; i++) {
                v[i] = Math.scalb(v[i], e);
            }
        }
    }

    /** {@code m̂_c = m̃_c / (‖m̃_c‖ + eps)} of the selected classes, the rows scaled first by {@link #unitExponent}. */
    static double[] normalizedCentred(Means m) {
        int k = m.numSelected();
        int d = m.dim();
        double eps = m.dtype().eps();
        double[] mc = m.centred();
        checkNonZeroRows(mc, m, "normalised kernels");
        scalb(mc, unitExponent(mc, k, d)); // the eps below is absolute: make the norms' scale fixed
        for (int c = 0; c < k; c++) {
            double n = norm(mc, c * d, d) + eps;
            for (int j = 0; j < d; j++) {
                mc[c * d + j] /= n;
            }
        }
        return mc;
    }

    static void checkNonZeroRows(double[] mc, Means m, String what) {
        int d = m.dim();
        int[] sel = m.selected();
        for (int c = 0; c < sel.length; c++) {
            if (norm(mc, c * d, d) == 0) {
                throw new IllegalArgumentException("class " + sel[c] + ": its centred mean has zero norm, so " + what + " are undefined");
            }
        }
    }

    static double[] rowNorms(double[] a, int k, int d) {
        double[] out = new double[k];
        for (int c = 0; c < k; c++) {
            out[c] = norm(a, c * d, d);
        }
        return out;
    }

    static double norm(double[] a, int off, int d) {
        double s = 0;
        for (int j = 0; j < d; j++) {
            s += a[off + j] * a[off + j];
        }
        return Math.sqrt(s);
    }

    static double coefficientOfVariation(double[] v) {
        double mean = Arrays.stream(v).average().orElseThrow(() -> new IllegalArgumentException("no classes selected"));
        double ss = 0;
        for (double x : v) {
            ss += (x - mean) * (x - mean);
        }
        return Math.sqrt(ss / v.length) / mean;
    }

    static int needClasses(Means m, int min, String what) {
        int k = m.numSelected();
        if (k < min) {
            throw new IllegalArgumentException(what + " needs at least " + min + " selected classes, got K = " + k
                    + (k == 1 ? " (pairs and the simplex ETF need K >= 2)" : ""));
        }
        return k;
    }

    static void checkSame(Means fromPass, Means m) {
        if (fromPass != m && !sameMeans(fromPass, m)) {
            throw new IllegalArgumentException("the statistics were accumulated about other class means than the ones given");
        }
    }

    static boolean sameMeans(Means a, Means b) {
        return a.numClasses() == b.numClasses() && a.dim() == b.dim() && Arrays.equals(a.counts(), b.counts())
                && Arrays.equals(a.means(), b.means());
    }

    static void checkClassifier(Classifier w, Means m) {
        if (w.k() != m.numClasses() || w.d() != m.dim()) {
            throw new IllegalArgumentException("classifier is K x D = " + w.k() + " x " + w.d() + " but the means are "
                    + m.numClasses() + " x " + m.dim());
        }
    }
}
