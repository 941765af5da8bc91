package org.ncj.measure;

import static org.ncj.measure.MeasureSupport.norm;

import org.ncj.accumulate.Means;

/**
 * NC5, out-of-distribution orthogonality: the class means become orthogonal to the mean of
 * out-of-distribution features. The Python package's {@code orthogonality_deviation}, defined exactly
 * in {@code docs/METRICS.md}.
 */
public final class Nc5Ood {
    private Nc5Ood() {
    }

    /**
     * {@code nc5_ood_dev = mean_c |cos(μ_c, μ_G^OOD)|} over the selected classes, uncentred training
     * means (Ammar et al. 2024).
     */
    public static double orthogonalityDeviation(Means m, double[] oodGlobalMean) {
        int d = m.dim();
        if (oodGlobalMean.length != d) {
            throw new IllegalArgumentException("OOD mean has dimension " + oodGlobalMean.length + " but the means have D = " + d);
        }
        double no = norm(oodGlobalMean, 0, d);
        if (no == 0) {
            throw new IllegalArgumentException("the OOD global mean has zero norm: cosines are undefined");
        }
        double[] mu = m.selectedMeans();
        int k = m.numSelected();
        double sum = 0;
        for (int c = 0; c < k; c++) {
            double dot = 0;
            for (int j = 0; j < d; j++) {
                dot += mu[c * d + j] * oodGlobalMean[j];
            }
            double nm = norm(mu, c * d, d);
            if (nm == 0) {
                throw new IllegalArgumentException("class " + m.selected()[c] + " has a zero mean: its cosine is undefined");
            }
            sum += Math.abs(dot / (nm * no));
        }
        return sum / k;
    }
}
