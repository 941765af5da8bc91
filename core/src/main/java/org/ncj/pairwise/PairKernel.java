package org.ncj.pairwise;

/**
 * A pairwise kernel over rows {@code a = P[i]}, {@code b = P[j]} of a point matrix: the math only,
 * apart from any tiling (RAFT's "distance op" idea). Backends walk the upper triangle of the K×K
 * grid in tiles and call {@link #apply} for each pair i &lt; j.
 *
 * <p>Kernels whose values under- or overflow float64 (Riesz with large exponents) report
 * {@link #logSpace()} and return {@code log(value)}; statistics are then kept with a running
 * scale so that neither the mean nor the variance underflows.
 */
public sealed interface PairKernel {

    /**
     * Value of the kernel for one pair.
     *
     * @param dist2 squared distance {@code ‖a − b‖²}, computed directly (never from norms)
     * @param dot   inner product {@code a·b}
     * @param na2   {@code ‖a‖²}
     * @param nb2   {@code ‖b‖²}
     * @param i     row index of a
     * @param j     row index of b
     * @return the kernel value, or its natural logarithm when {@link #logSpace()}
     */
    double apply(double dist2, double dot, double na2, double nb2, int i, int j);

    /** Whether {@link #apply} returns the logarithm of the value. */
    default boolean logSpace() {
        return false;
    }

    /** Sign that multiplies {@code exp(apply(...))} when {@link #logSpace()}. */
    default double logSign() {
        return 1.0;
    }

    /** Short name used in metric names ({@code nc2g_<name>_mean}). */
    String name();

    /** {@code k(a, b) = ‖a − b‖}. */
    record Dist() implements PairKernel {
        @Override
        public double apply(double dist2, double dot, double na2, double nb2, int i, int j) {
            return Math.sqrt(dist2);
        }

        @Override
        public String name() {
            return "dist";
        }
    }

    /** {@code k(a, b) = log(‖a − b‖^e)} (Liu et al. 2023); {@code e = −1} by default. */
    record Log(double exponent) implements PairKernel {
        public Log() {
            this(-1.0);
        }

        @Override
        public double apply(double dist2, double dot, double na2, double nb2, int i, int j) {
            return 0.5 * exponent * Math.log(dist2);
        }

        @Override
        public String name() {
            return "log";
        }
    }

    /**
     * Riesz kernel {@code k(a, b) = sign(s) · ‖a − b‖^(−s)}, {@code s = D − 2} by default (Liu et al. 2023).
     * For {@code s > 0} it is evaluated in log space: at D ≥ 512 the values are far below float32's range
     * and at D ≥ 2048 below float64's.
     */
    record Riesz(double s) implements PairKernel {
        /** The default exponent for embeddings of dimension {@code d}. */
        public static Riesz forDimension(int d) {
            return new Riesz(d - 2);
        }

        @Override
        public double apply(double dist2, double dot, double na2, double nb2, int i, int j) {
            if (s > 0) {
                return -0.5 * s * Math.log(dist2);
            }
            return Math.copySign(1.0, s) * Math.pow(dist2, -0.5 * s);
        }

        @Override
        public boolean logSpace() {
            return s > 0;
        }

        @Override
        public String name() {
            return "riesz";
        }
    }

    /**
     * Class-distance normalised variance (Galanti et al. 2021):
     * {@code ((v_i + v_j) / 2) / ‖μ_i − μ_j‖^(2p)} with {@code p = distExp}, on uncentred means.
     *
     * @param varNorms per-row variance norms {@code v}, indexed like the point matrix's rows
     */
    record Cdnv(double distExp, double[] varNorms) implements PairKernel {
        public Cdnv {
            java.util.Objects.requireNonNull(varNorms, "varNorms");
        }

        @Override
        public double apply(double dist2, double dot, double na2, double nb2, int i, int j) {
            double den = distExp == 1.0 ? dist2 : Math.pow(dist2, distExp);
            return 0.5 * (varNorms[i] + varNorms[j]) / den;
        }

        @Override
        public String name() {
            return "cdnv";
        }
    }

    /** Cosine similarity {@code a·b / (‖a‖‖b‖)}. */
    record Cosine() implements PairKernel {
        @Override
        public double apply(double dist2, double dot, double na2, double nb2, int i, int j) {
            return dot / Math.sqrt(na2 * nb2);
        }

        @Override
        public String name() {
            return "cosine";
        }
    }

    /** {@code |cos(a, b) + 1/(K − 1)|}: deviation from the simplex ETF angle (Papyan et al. 2020). */
    record MaxAngle(int k) implements PairKernel {
        @Override
        public double apply(double dist2, double dot, double na2, double nb2, int i, int j) {
            return Math.abs(dot / Math.sqrt(na2 * nb2) + 1.0 / (k - 1));
        }

        @Override
        public String name() {
            return "maxangle";
        }
    }
}
