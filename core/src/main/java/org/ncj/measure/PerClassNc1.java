package org.ncj.measure;

/**
 * Per-class within-class variability against the between-class covariance.
 *
 * @param classes the selected classes
 * @param counts  samples per class
 * @param ratio   {@code Tr(Σ_c Σ_B⁺)/K} per class (its sample-weighted mean is {@code nc1_pinv})
 * @param trace   {@code Tr(Σ_c)} per class
 * @param passes  passes made over the data (one per chunk of classes that fit the memory budget)
 */
public record PerClassNc1(int[] classes, long[] counts, double[] ratio, double[] trace, int passes) {

    /** Sample-weighted mean of the per-class ratios: equals {@code nc1_pinv}. */
    public double weightedMeanRatio() {
        double s = 0;
        long n = 0;
        for (int i = 0; i < ratio.length; i++) {
            if (counts[i] > 0) {
                s += counts[i] * ratio[i];
                n += counts[i];
            }
        }
        return s / n;
    }

    /** Population standard deviation of the per-class traces over classes with samples: the spread of within-class variability. */
    public double traceSpread() {
        double mean = 0;
        int m = 0;
        for (int i = 0; i < trace.length; i++) {
            if (counts[i] > 0) {
                mean += trace[i];
                m++;
            }
        }
        mean /= m;
        double ss = 0;
        for (int i = 0; i < trace.length; i++) {
            if (counts[i] > 0) {
                ss += (trace[i] - mean) * (trace[i] - mean);
            }
        }
        return Math.sqrt(ss / m);
    }
}
