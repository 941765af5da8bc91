package org.ncj.measure;

import org.ncj.accumulate.Agreement;

/**
 * NC4, convergence to the nearest class centre: the linear classifier decides as the
 * nearest-class-centre rule does. The Python package's {@code clf_ncc_agreement}, defined exactly in
 * {@code docs/METRICS.md}, from the decisions an {@link org.ncj.accumulate.DecAccumulator} counted.
 */
public final class Nc4Agreement {
    private Nc4Agreement() {
    }

    /**
     * {@code nc4_agree}: agreement of the nearest-class-centre and linear classifiers (Papyan et al. 2020). Weighted:
     * {@code Σ hits / Σ n} over the given classes; unweighted: the mean of per-class rates over
     * those of them with samples.
     *
     * @param classes classes to include, or null for the selected classes of the means
     */
    public static double clfNccAgreement(Agreement a, boolean weighted, int[] classes) {
        int[] cls = classes != null ? classes : a.means().selected();
        long hits = 0;
        long n = 0;
        double rates = 0;
        int used = 0;
        for (int c : cls) {
            if (c < 0 || c >= a.counts().length) {
                throw new IllegalArgumentException("class " + c + " is outside [0, " + a.counts().length + ")");
            }
            if (a.counts()[c] == 0) {
                continue;
            }
            hits += a.hits()[c];
            n += a.counts()[c];
            rates += (double) a.hits()[c] / a.counts()[c];
            used++;
        }
        if (n == 0) {
            throw new IllegalStateException("no evaluation samples in the classes asked for: agreement is undefined");
        }
        return weighted ? (double) hits / n : rates / used;
    }

    /** Sample-weighted {@link #clfNccAgreement} over the selected classes. */
    public static double clfNccAgreement(Agreement a) {
        return clfNccAgreement(a, true, null);
    }

    /** Per-class agreement rates {@code hits_c / n_c} (NaN where a class had no evaluation samples). */
    public static double[] agreementRates(Agreement a) {
        double[] r = new double[a.counts().length];
        for (int c = 0; c < r.length; c++) {
            r[c] = a.counts()[c] == 0 ? Double.NaN : (double) a.hits()[c] / a.counts()[c];
        }
        return r;
    }
}
