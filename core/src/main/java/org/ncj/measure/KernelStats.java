package org.ncj.measure;

import org.ncj.pairwise.PairStats;

/**
 * Mean and population variance of a pairwise kernel over the pairs i &lt; j of selected classes.
 * {@code logMean} and {@code logVariance} stay finite where the values underflow float64 (Riesz
 * kernels at large D).
 */
public record KernelStats(long count, double mean, double variance, double logMean, double logVariance) {
    static KernelStats of(PairStats s) {
        return new KernelStats(s.count(), s.mean(), s.variance(), s.logMean(), s.logVariance());
    }
}
