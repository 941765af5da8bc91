package org.ncj.measure;

import static org.ncj.measure.MeasureSupport.CPU;
import static org.ncj.measure.MeasureSupport.checkClassifier;
import static org.ncj.measure.MeasureSupport.checkNonZeroRows;
import static org.ncj.measure.MeasureSupport.coefficientOfVariation;
import static org.ncj.measure.MeasureSupport.needClasses;
import static org.ncj.measure.MeasureSupport.normalizedCentred;
import static org.ncj.measure.MeasureSupport.pairStats;
import static org.ncj.measure.MeasureSupport.rowNorms;
import static org.ncj.measure.MeasureSupport.scalb;
import static org.ncj.measure.MeasureSupport.unitExponent;

import org.ncj.accumulate.Classifier;
import org.ncj.accumulate.Means;
import org.ncj.backend.Backend;
import org.ncj.pairwise.PairKernel;

/**
 * NC2, convergence of the centred class means (and classifier rows) to a simplex ETF: the Python
 * package's {@code simplex_etf_error}, equinorm and equiangle measures, {@code kernel_stats} and
 * {@code kernel_grid} (GNC2), {@code mean_norms} and {@code interference_grid}, defined exactly in
 * {@code docs/METRICS.md}, over the selected classes of the {@link Means} (K below is their number).
 * {@code m̃_c = μ_c − μ_G} are the centred means. Overloads without a {@link Backend} run on the CPU;
 * the pairwise measures walk the tile their backend plans ({@link Backend#pairwiseTile}).
 */
public final class Nc2Geometry {
    /** Above this K the K×K Gram of the ETF errors is replaced by D×D identities. */
    static int gramLimit = 4096;

    private Nc2Geometry() {
    }

    /**
     * {@code nc2_etf_err = ‖G/‖G‖_F − (I − 11ᵀ/K)/√(K−1)‖_F}, {@code G = M̃M̃ᵀ} (Kothapalli 2023).
     */
    public static double simplexEtfError(Means m) {
        return simplexEtfError(m, CPU);
    }

    /** As {@link #simplexEtfError(Means)}, the products on {@code backend}. */
    public static double simplexEtfError(Means m, Backend backend) {
        return simplexEtfError(m, backend, null);
    }

    /** @param centred the centred means when already computed, else null */
    static double simplexEtfError(Means m, Backend backend, double[] centred) {
        int k = needClasses(m, 2, "nc2_etf_err");
        double[] mc = centred != null ? centred : m.centred();
        return structureError(mc, mc, k, m.dim(), backend);
    }

    /** {@code nc2_equinorm_means = std(‖m̃_c‖) / mean(‖m̃_c‖)}, population std (Papyan et al. 2020). */
    public static double equinormMeans(Means m) {
        return coefficientOfVariation(meanNorms(m));
    }

    static double equinormMeans(Means m, double[] mc) {
        return coefficientOfVariation(rowNorms(mc, m.numSelected(), m.dim()));
    }

    /** {@code nc2_equinorm_weights = std(‖w_c‖) / mean(‖w_c‖)} over the selected classes (Papyan et al. 2020). */
    public static double equinormWeights(Classifier w, Means m) {
        checkClassifier(w, m);
        return coefficientOfVariation(rowNorms(w.rows(m.selected()), m.numSelected(), m.dim()));
    }

    /** {@code nc2_equiangle_std}: population std over i &lt; j of {@code cos(m̃_i, m̃_j)} (Papyan et al. 2020), on the CPU. */
    public static double equiangleStd(Means m) {
        return equiangleStd(m, CPU);
    }

    /** As {@link #equiangleStd(Means)}, the pairs on {@code backend}. */
    public static double equiangleStd(Means m, Backend backend) {
        return equiangleStd(m, backend, 0);
    }

    /** @param tileOverride the pairwise tile to force (tests, {@link MetricSet.Options#tileSize}), or 0 for the backend's plan */
    static double equiangleStd(Means m, Backend backend, int tileOverride) {
        int k = needClasses(m, 2, "nc2_equiangle_std");
        double[] mc = m.centred();
        checkNonZeroRows(mc, m, "cosines");
        scalb(mc, unitExponent(mc, k, m.dim()));
        return Math.sqrt(pairStats(backend, mc, k, m.dim(), new PairKernel.Cosine(), m.dtype(), tileOverride).variance());
    }

    /** {@code nc2_maxangle}: mean over i &lt; j of {@code |cos(m̃_i, m̃_j) + 1/(K−1)|} (Papyan et al. 2020), on the CPU. */
    public static double maxAngle(Means m) {
        return maxAngle(m, CPU);
    }

    /** As {@link #maxAngle(Means)}, the pairs on {@code backend}. */
    public static double maxAngle(Means m, Backend backend) {
        return maxAngle(m, backend, 0);
    }

    /** @param tileOverride the pairwise tile to force (tests, {@link MetricSet.Options#tileSize}), or 0 for the backend's plan */
    static double maxAngle(Means m, Backend backend, int tileOverride) {
        int k = needClasses(m, 2, "nc2_maxangle");
        double[] mc = m.centred();
        checkNonZeroRows(mc, m, "cosines");
        scalb(mc, unitExponent(mc, k, m.dim()));
        return pairStats(backend, mc, k, m.dim(), new PairKernel.MaxAngle(k), m.dtype(), tileOverride).mean();
    }

    /**
     * {@code kernel_stats}: mean and variance over i &lt; j of {@code kernel(m̂_i, m̂_j)},
     * {@code m̂ = normalize(μ_c − μ_G)} (Liu et al. 2023, GNC2), walking tiles of the upper triangle
     * without the K×K grid, on the CPU.
     */
    public static KernelStats kernelStats(Means m, PairKernel kernel) {
        return kernelStats(m, kernel, CPU);
    }

    /** As {@link #kernelStats(Means, PairKernel)}, the pairs on {@code backend}. */
    public static KernelStats kernelStats(Means m, PairKernel kernel, Backend backend) {
        return kernelStats(m, kernel, backend, 0);
    }

    /** @param tileOverride the pairwise tile to force (tests, {@link MetricSet.Options#tileSize}), or 0 for the backend's plan */
    static KernelStats kernelStats(Means m, PairKernel kernel, Backend backend, int tileOverride) {
        int k = needClasses(m, 2, "kernel_stats");
        return KernelStats.of(pairStats(backend, normalizedCentred(m), k, m.dim(), kernel, m.dtype(), tileOverride));
    }

    /**
     * {@code kernel_grid}: the K×K grid of {@code kernel(m̂_i, m̂_j)} over the selected classes
     * (row-major, NaN on the diagonal; Liu et al. 2023), on the CPU. Memory grows as K²: prefer
     * {@link #kernelStats}.
     */
    public static double[] kernelGrid(Means m, PairKernel kernel) {
        return kernelGrid(m, kernel, CPU);
    }

    /** As {@link #kernelGrid(Means, PairKernel)}, on {@code backend}. */
    public static double[] kernelGrid(Means m, PairKernel kernel, Backend backend) {
        int k = needClasses(m, 1, "kernel_grid");
        return backend.pairwiseGrid(normalizedCentred(m), k, m.dim(), kernel, m.dtype());
    }

    /** {@code mean_norms}: {@code ‖m̃_c‖} per selected class. */
    public static double[] meanNorms(Means m) {
        return rowNorms(m.centred(), m.numSelected(), m.dim());
    }

    /** {@code interference_grid = M̃M̃ᵀ} over the selected classes (row-major K×K), on the CPU. */
    public static double[] interferenceGrid(Means m) {
        return interferenceGrid(m, CPU);
    }

    /** As {@link #interferenceGrid(Means)}, the product on {@code backend} (float64). */
    public static double[] interferenceGrid(Means m, Backend backend) {
        int k = m.numSelected();
        if ((long) k * k > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("interference grid at K = " + k + " exceeds a Java array");
        }
        double[] mc = m.centred();
        return backend.multiplyTransposed(mc, k, mc, k, m.dim());
    }

    /**
     * {@code ‖S/‖S‖_F − (I − 11ᵀ/K)/√(K−1)‖_F} for {@code S = B Aᵀ} (K×K) from row-major K×D A and
     * B; {@link Nc3Duality#selfDualityError} uses it too. Above {@link #gramLimit}, or when
     * K − 1 &gt; D, it avoids the K×K matrix: {@code ‖S‖_F² = ⟨BᵀB, AᵀA⟩} and
     * {@code ⟨S, I − 11ᵀ/K⟩ = Σ b_c·a_c − (Σb)·(Σa)/K}, so the error² is
     * {@code 2 − 2⟨S, P⟩/(‖S‖_F √(K−1))}.
     */
    static double structureError(double[] a, double[] b, int k, int d, Backend backend) {
        // The K×K product costs K²D, the D×D identities KD²: the latter once K − 1 > D, where S has
        // rank ≤ D < K − 1, so the error is bounded away from 0 and its cancellation is harmless
        // (profiled: the K×K products were the largest native frame of MetricSet at K = 4096, D = 1024).
        if (k <= gramLimit && k - 1 <= d) {
            double[] s = backend.multiplyTransposed(b, k, a, k, d);
            double fn = 0;
            for (double v : s) {
                fn += v * v;
            }
            fn = Math.sqrt(fn);
            if (fn == 0) {
                throw new IllegalArgumentException("the structure matrix is zero (all centred means or weights vanish): ETF error undefined");
            }
            double scale = 1 / Math.sqrt(k - 1.0);
            double err = 0;
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    double ideal = ((i == j ? 1.0 : 0.0) - 1.0 / k) * scale;
                    double diff = s[i * k + j] / fn - ideal;
                    err += diff * diff;
                }
            }
            return Math.sqrt(err);
        }
        double[] ata = backend.gram(a, k, d);
        double[] btb = a == b ? ata : backend.gram(b, k, d);
        double[] sa = new double[d];
        double[] sbv = new double[d];
        double trace = 0;
        for (int c = 0; c < k; c++) {
            for (int i = 0; i < d; i++) {
                double ai = a[c * d + i];
                double bi = b[c * d + i];
                sa[i] += ai;
                sbv[i] += bi;
                trace += ai * bi;
            }
        }
        double fn2 = 0;
        for (int i = 0; i < d * d; i++) {
            fn2 += ata[i] * btb[i];
        }
        double cross = 0;
        for (int i = 0; i < d; i++) {
            cross += sa[i] * sbv[i];
        }
        double inner = trace - cross / k;
        double fn = Math.sqrt(fn2);
        if (fn == 0) {
            throw new IllegalArgumentException("the structure matrix is zero (all centred means or weights vanish): ETF error undefined");
        }
        return Math.sqrt(Math.max(0, 2 - 2 * inner / (fn * Math.sqrt(k - 1.0))));
    }
}
