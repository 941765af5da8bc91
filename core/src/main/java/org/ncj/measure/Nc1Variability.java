package org.ncj.measure;

import static org.ncj.measure.MeasureSupport.CPU;
import static org.ncj.measure.MeasureSupport.checkSame;
import static org.ncj.measure.MeasureSupport.needClasses;
import static org.ncj.measure.MeasureSupport.pairStats;
import static org.ncj.measure.MeasureSupport.scalb;
import static org.ncj.measure.MeasureSupport.unitExponent;

import org.ncj.accumulate.Covariance;
import org.ncj.accumulate.Means;
import org.ncj.accumulate.PerClassCovariance;
import org.ncj.accumulate.VarNorms;
import org.ncj.backend.Backend;
import org.ncj.backend.Batch;
import org.ncj.pairwise.PairKernel;

/**
 * NC1, within-class variability collapse: the features of a class gather at its mean. The Python
 * package's {@code covariance_ratio} ({@code nc1_pinv}, {@code nc1_svd}, {@code nc1_quot}) and
 * {@code variability_cdnv}, defined exactly in {@code docs/METRICS.md}, over the selected classes
 * of the {@link Means} (K below is their number). Overloads without a {@link Backend} run on the CPU.
 */
public final class Nc1Variability {
    private Nc1Variability() {
    }

    /**
     * {@code nc1_pinv = Tr(Σ_W Σ_B⁺) / K} (Papyan et al. 2020), with the cutoff of docs/METRICS.md: at
     * most {@code r = min(K−1, D)} eigenpairs, eigenvalues {@code λ ≤ max(K, D)·eps·λ_max} treated
     * as zero, eps of the type the means were accumulated in. Needs an eigen-decomposition of
     * order min(K, D) only (the K×K Gram when K ≤ D).
     */
    public static double covariancePinv(Covariance sw, Means m) {
        return covariancePinv(sw, m, CPU);
    }

    /** As {@link #covariancePinv(Covariance, Means)}, the products and eigen-decomposition on {@code backend}. */
    public static double covariancePinv(Covariance sw, Means m, Backend backend) {
        checkSame(sw.means(), m);
        return PinvBasis.of(m, backend, null).ratio(sw.sigmaW(), true, backend);
    }

    /**
     * {@code nc1_svd}: as {@link #covariancePinv} with Σ_B⁺ built from the top
     * {@code r = min(K−1, D)} eigenpairs only (Han et al. 2022). Defined for K − 1 ≥ D too, where
     * it equals {@code nc1_pinv}.
     */
    public static double covarianceSvd(Covariance sw, Means m) {
        return covarianceSvd(sw, m, CPU);
    }

    /** As {@link #covarianceSvd(Covariance, Means)}, the products and eigen-decomposition on {@code backend}. */
    public static double covarianceSvd(Covariance sw, Means m, Backend backend) {
        checkSame(sw.means(), m);
        return PinvBasis.of(m, backend, null).ratio(sw.sigmaW(), false, backend);
    }

    /** {@code nc1_quot = Tr(Σ_W) / Tr(Σ_B)} (Tirer et al. 2023). */
    public static double covarianceQuotient(Covariance sw, Means m) {
        return covarianceQuotient(sw, m, null);
    }

    /** @param centred the centred means when already computed, else null */
    static double covarianceQuotient(Covariance sw, Means m, double[] centred) {
        checkSame(sw.means(), m);
        int k = needClasses(m, 2, "nc1_quot");
        double[] mc = centred != null ? centred : m.centred();
        double trB = 0;
        for (double v : mc) {
            trB += v * v;
        }
        return sw.trace() / (trB / k);
    }

    /**
     * {@code nc1_pinv} and {@code nc1_svd} together: one eigen-decomposition and one product
     * {@code V Σ_W} for both (the {@code nc1_pinv} eigenpairs are a leading subset of the
     * {@code nc1_svd} ones).
     */
    static double[] covariancePinvAndSvd(Covariance sw, Means m, Backend backend, double[] mc) {
        checkSame(sw.means(), m);
        PinvBasis b = PinvBasis.of(m, backend, mc);
        double[] q = b.quadratics(sw.sigmaW(), backend);
        return new double[] {b.sum(q, true), b.sum(q, false)};
    }

    /**
     * Per-class NC1: {@code Tr(Σ_c Σ_B⁺)/K} for each selected class, with the {@code nc1_pinv}
     * cutoff, from per-class covariances computed within {@code budgetBytes} (one pass over
     * {@code data} per chunk of classes). The sample-weighted mean of the ratios is {@code nc1_pinv}.
     */
    public static PerClassNc1 perClassCovariancePinv(Backend backend, Means m, Iterable<Batch> data, long budgetBytes) {
        PinvBasis basis = PinvBasis.of(m, backend);
        int[] sel = m.selected();
        int[] slot = new int[m.numClasses()];
        for (int i = 0; i < sel.length; i++) {
            slot[sel[i]] = i;
        }
        double[] ratio = new double[sel.length];
        double[] trace = new double[sel.length];
        long[] counts = new long[sel.length];
        int d = m.dim();
        int passes = PerClassCovariance.compute(backend, m, data, budgetBytes, (c, n, sigma) -> {
            int i = slot[c];
            counts[i] = n;
            ratio[i] = basis.ratio(sigma, true, backend);
            double t = 0;
            for (int j = 0; j < d; j++) {
                t += sigma[j * d + j];
            }
            trace[i] = t;
        });
        return new PerClassNc1(sel, counts, ratio, trace, passes);
    }

    /**
     * {@code nc1_cdnv} ({@code variability_cdnv}): mean over pairs i &lt; j of
     * {@code ((v_i + v_j)/2) / ‖μ_i − μ_j‖^(2p)} (Galanti et al. 2021), p = {@code distExp},
     * uncentred means, tiled without a K×K grid, on the CPU.
     */
    public static double variabilityCdnv(VarNorms vn, Means m, double distExp) {
        return variabilityCdnv(vn, m, distExp, CPU);
    }

    /** As {@link #variabilityCdnv(VarNorms, Means, double)}, the pairs on {@code backend} at the tile it plans. */
    public static double variabilityCdnv(VarNorms vn, Means m, double distExp, Backend backend) {
        return variabilityCdnv(vn, m, distExp, backend, 0);
    }

    /** @param tileOverride the pairwise tile to force (tests, {@link MetricSet.Options#tileSize}), or 0 for the backend's plan */
    static double variabilityCdnv(VarNorms vn, Means m, double distExp, Backend backend, int tileOverride) {
        checkSame(vn.means(), m);
        int k = needClasses(m, 2, "nc1_cdnv");
        int[] sel = m.selected();
        double[] v = new double[k];
        for (int r = 0; r < k; r++) {
            v[r] = vn.values()[sel[r]];
            if (Double.isNaN(v[r])) {
                throw new IllegalArgumentException("class " + sel[r] + " has no variance norm: it had no samples in the variance pass");
            }
        }
        // Distances are those of the centred means; both they and the variances are scaled by powers
        // of two (exact) so that float32 device arithmetic sees magnitudes near 1 at any data scale.
        double[] mc = m.centred();
        int e = unitExponent(mc, k, m.dim());
        scalb(mc, e);
        for (int r = 0; r < k; r++) {
            v[r] = Math.scalb(v[r], 2 * e);
        }
        return pairStats(backend, mc, k, m.dim(), new PairKernel.Cdnv(distExp, v), m.dtype(), tileOverride).mean();
    }
}
