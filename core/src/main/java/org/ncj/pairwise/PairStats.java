package org.ncj.pairwise;

/**
 * Count, mean and population variance of pairwise kernel values, mergeable (Chan, Golub and
 * LeVeque), kept relative to a scale {@code exp(shift)} so that log-space kernels neither under-
 * nor overflow: the represented values are {@code exp(shift) · v'}.
 *
 * <p>For kernels that are not in log space {@code shift} stays 0 and this is a plain mergeable
 * (n, mean, M2) triple.
 */
public final class PairStats {
    private long n;
    private double shift;
    private double mean;
    private double m2;

    /**
     * A partial result from its parts, e.g. one block's {@code (count, shift, mean, m2)} written by a
     * GPU kernel: the values are {@code exp(shift) · v'} with mean and sum of squared deviations of v'.
     */
    public static PairStats of(long count, double shift, double mean, double m2) {
        if (count < 0) {
            throw new IllegalArgumentException("negative count " + count);
        }
        PairStats s = new PairStats();
        if (count > 0) {
            s.n = count;
            s.shift = shift;
            s.mean = mean;
            s.m2 = m2;
        }
        return s;
    }

    /** Adds one value (or, for a log-space kernel, one log-value with its sign). */
    public void add(double value) {
        n++;
        double delta = value - mean;
        mean += delta / n;
        m2 += delta * (value - mean);
    }

    /** Adds a log-space value {@code sign · exp(logValue)}. */
    public void addLog(double logValue, double sign) {
        if (n == 0 || logValue > shift) {
            rescale(logValue);
        }
        add(sign * Math.exp(logValue - shift));
    }

    private void rescale(double newShift) {
        if (n > 0) {
            double f = Math.exp(shift - newShift);
            mean *= f;
            m2 *= f * f;
        }
        shift = newShift;
    }

    /** Merges another partial result into this one. */
    public void merge(PairStats o) {
        if (o.n == 0) {
            return;
        }
        if (n == 0) {
            n = o.n;
            shift = o.shift;
            mean = o.mean;
            m2 = o.m2;
            return;
        }
        double om = o.mean;
        double om2 = o.m2;
        if (o.shift > shift) {
            rescale(o.shift);
        } else if (o.shift < shift) {
            double f = Math.exp(o.shift - shift);
            om *= f;
            om2 *= f * f;
        }
        long total = n + o.n;
        double delta = om - mean;
        mean += delta * o.n / total;
        m2 += om2 + delta * delta * ((double) n * o.n / total);
        n = total;
    }

    /** Number of pairs seen. */
    public long count() {
        return n;
    }

    /** Mean of the values (may underflow to 0 for log-space kernels: see {@link #logMean()}). */
    public double mean() {
        return n == 0 ? Double.NaN : mean * Math.exp(shift);
    }

    /** Population variance of the values. */
    public double variance() {
        return n == 0 ? Double.NaN : (m2 / n) * Math.exp(2 * shift);
    }

    /** Natural log of |mean|, finite even where {@link #mean()} underflows. */
    public double logMean() {
        return Math.log(Math.abs(mean)) + shift;
    }

    /** Natural log of the variance, finite even where {@link #variance()} underflows. */
    public double logVariance() {
        return Math.log(m2 / n) + 2 * shift;
    }

    @Override
    public String toString() {
        return "PairStats[n=" + n + ", mean=" + mean() + ", variance=" + variance() + ", logMean=" + logMean() + "]";
    }
}
