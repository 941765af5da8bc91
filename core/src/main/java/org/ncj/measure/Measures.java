package org.ncj.measure;

import java.util.Arrays;

import org.ncj.accumulate.Agreement;
import org.ncj.accumulate.Classifier;
import org.ncj.accumulate.Covariance;
import org.ncj.accumulate.Means;
import org.ncj.accumulate.VarNorms;
import org.ncj.backend.Backend;
import org.ncj.backend.SymmetricEigen;
import org.ncj.backend.cpu.CpuBackend;
import org.ncj.kernels.PairKernel;
import org.ncj.kernels.PairStats;

/**
 * The neural-collapse measures, named as in the Python package (rhubarbwu/neural-collapse) and
 * defined exactly in {@code docs/METRICS.md}. Every measure runs over the selected classes of its
 * {@link Means}; K below is their number.
 *
 * <p>Overloads without a {@link Backend} run on the CPU; pass a backend to put the pairwise
 * statistics and eigen-decompositions on a GPU. The pairwise measures ask the backend for the
 * precision the means were accumulated in ({@link Means#dtype()}, a floor: the CPU computes them in
 * float64 anyway, the CUDA backend in float32 GEMM tiles for {@code FLOAT32}).
 */
public final class Measures {
    /** Default tile size of the pairwise walks (the Python package's examples use 64). */
    public static final int DEFAULT_TILE = 64;
    /** Above this K the K×K Gram of the ETF errors is replaced by D×D identities. */
    static int gramLimit = 4096;

    private static final Backend CPU = new CpuBackend();

    private Measures() {
    }

    // ---------------------------------------------------------------- NC1

    /**
     * {@code nc1_pinv = Tr(Σ_W Σ_B⁺) / K} (Papyan et al. 2020), with the cutoff of docs/METRICS.md: at
     * most {@code r = min(K−1, D)} eigenpairs, eigenvalues {@code λ ≤ max(K, D)·eps·λ_max} treated
     * as zero, eps of the type the means were accumulated in. Needs an eigen-decomposition of
     * order min(K, D) only (the K×K Gram when K ≤ D).
     */
    public static double covariancePinv(Covariance sw, Means m) {
        return covariancePinv(sw, m, CPU);
    }

    public static double covariancePinv(Covariance sw, Means m, Backend backend) {
        return nc1Trace(sw, m, backend, true, null);
    }

    /**
     * {@code nc1_svd}: as {@link #covariancePinv} with Σ_B⁺ built from the top
     * {@code r = min(K−1, D)} eigenpairs only (Han et al. 2022). Defined for K − 1 ≥ D too, where
     * it equals {@code nc1_pinv}.
     */
    public static double covarianceSvd(Covariance sw, Means m) {
        return covarianceSvd(sw, m, CPU);
    }

    public static double covarianceSvd(Covariance sw, Means m, Backend backend) {
        return nc1Trace(sw, m, backend, false, null);
    }

    /** {@code nc1_quot = Tr(Σ_W) / Tr(Σ_B)} (Tirer et al. 2023). */
    public static double covarianceQuotient(Covariance sw, Means m) {
        return covarianceQuotient(sw, m, null);
    }

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

    private static double nc1Trace(Covariance sw, Means m, Backend backend, boolean cutoff, double[] mc) {
        checkSame(sw.means(), m);
        return PinvBasis.of(m, backend, mc).ratio(sw.sigmaW(), cutoff, backend);
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
     * The eigenpairs of Σ_B as weighted unit vectors: {@code Tr(S Σ_B⁺)/K = Σ_k w_k v_kᵀ S v_k}
     * for any D×D S. Built from the K×K Gram {@code M̃M̃ᵀ} when K ≤ D ({@code v = M̃ᵀu/s},
     * {@code w = s⁻²}), else from Σ_B itself ({@code w = 1/(K λ)}). Holds the top
     * {@code r = min(K−1, D)} pairs with λ &gt; 0 ({@code nc1_svd}); the first {@code pinvCount}
     * of them are those above the {@code nc1_pinv} cutoff.
     */
    record PinvBasis(double[] vectors, double[] weights, int d, int pinvCount) {
        static PinvBasis of(Means m, Backend backend) {
            return of(m, backend, null);
        }

        /** @param centred the centred means when already computed, else null */
        static PinvBasis of(Means m, Backend backend, double[] centred) {
            int k = needClasses(m, 2, "nc1");
            int d = m.dim();
            double[] mc = centred != null ? centred : m.centred();
            int r = Math.min(k - 1, d);
            double eps = m.dtype().eps();
            java.util.List<double[]> vs = new java.util.ArrayList<>();
            java.util.List<Double> ws = new java.util.ArrayList<>();
            int pinv = 0;
            if (k <= d) {
                SymmetricEigen e = backend.eigh(backend.multiplyTransposed(mc, k, mc, k, d), k);
                double lmax = e.values()[k - 1];
                double floor = Math.max(k, d) * eps * lmax;
                for (int idx = k - 1; idx >= k - r; idx--) {
                    double lambda = e.values()[idx];
                    if (!(lambda > 0)) {
                        break;
                    }
                    if (lambda > floor && pinv == vs.size()) {
                        pinv++;
                    }
                    double sInv = 1 / Math.sqrt(lambda);
                    double[] v = new double[d];
                    for (int c = 0; c < k; c++) {
                        double u = e.vector(idx, c) * sInv;
                        for (int j = 0; j < d; j++) {
                            v[j] += u * mc[c * d + j];
                        }
                    }
                    vs.add(v);
                    ws.add(1 / lambda);
                }
            } else {
                double[] sb = backend.gram(mc, k, d);
                for (int i = 0; i < sb.length; i++) {
                    sb[i] /= k;
                }
                SymmetricEigen e = backend.eigh(sb, d);
                double lmax = e.values()[d - 1];
                double floor = Math.max(k, d) * eps * lmax;
                for (int idx = d - 1; idx >= d - r; idx--) {
                    double lambda = e.values()[idx];
                    if (!(lambda > 0)) {
                        break;
                    }
                    if (lambda > floor && pinv == vs.size()) {
                        pinv++;
                    }
                    vs.add(Arrays.copyOfRange(e.vectors(), idx * d, idx * d + d));
                    ws.add(1 / (lambda * k));
                }
            }
            double[] flat = new double[vs.size() * d];
            for (int i = 0; i < vs.size(); i++) {
                System.arraycopy(vs.get(i), 0, flat, i * d, d);
            }
            return new PinvBasis(flat, ws.stream().mapToDouble(Double::doubleValue).toArray(), d, pinv);
        }

        /** {@code v_kᵀ S v_k} for every kept pair, from one product {@code V S} (S symmetric). */
        double[] quadratics(double[] s, Backend backend) {
            int n = weights.length;
            double[] q = new double[n];
            if (n == 0) {
                return q;
            }
            double[] vs = backend.multiplyTransposed(vectors, n, s, d, d);
            for (int i = 0; i < n; i++) {
                double acc = 0;
                for (int j = 0; j < d; j++) {
                    acc += vs[i * d + j] * vectors[i * d + j];
                }
                q[i] = acc;
            }
            return q;
        }

        /** {@code Σ w_k q_k} over the {@code nc1_pinv} pairs ({@code cutoff}) or all of them. */
        double sum(double[] q, boolean cutoff) {
            int n = cutoff ? pinvCount : weights.length;
            double total = 0;
            for (int i = 0; i < n; i++) {
                total += weights[i] * q[i];
            }
            return total;
        }

        /** {@code Tr(S Σ_B⁺)/K}. */
        double ratio(double[] s, boolean cutoff, Backend backend) {
            return sum(quadratics(s, backend), cutoff);
        }
    }

    /**
     * Per-class NC1: {@code Tr(Σ_c Σ_B⁺)/K} for each selected class, with the {@code nc1_pinv}
     * cutoff, from per-class covariances computed within {@code budgetBytes} (one pass over
     * {@code data} per chunk of classes). The sample-weighted mean of the ratios is {@code nc1_pinv}.
     */
    public static PerClassNc1 perClassCovariancePinv(Backend backend, Means m, Iterable<org.ncj.backend.Batch> data,
                                                     long budgetBytes) {
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
        int passes = org.ncj.accumulate.PerClassCovariance.compute(backend, m, data, budgetBytes, (c, n, sigma) -> {
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
     * {@code nc1_cdnv}: mean over pairs i &lt; j of {@code ((v_i + v_j)/2) / ‖μ_i − μ_j‖^(2p)}
     * (Galanti et al. 2021), p = {@code distExp}, uncentred means, tiled without a K×K grid.
     */
    public static double variabilityCdnv(VarNorms vn, Means m, double distExp, int tileSize) {
        return variabilityCdnv(vn, m, distExp, tileSize, CPU);
    }

    public static double variabilityCdnv(VarNorms vn, Means m, double distExp, int tileSize, Backend backend) {
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
        return backend.pairwiseStats(mc, k, m.dim(), new PairKernel.Cdnv(distExp, v), tileSize, m.dtype()).mean();
    }

    // ---------------------------------------------------------------- NC2

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

    /** {@code nc2_equinorm_weights = std(‖w_c‖) / mean(‖w_c‖)} over the selected classes. */
    public static double equinormWeights(Classifier w, Means m) {
        checkClassifier(w, m);
        return coefficientOfVariation(rowNorms(w.rows(m.selected()), m.numSelected(), m.dim()));
    }

    /** {@code nc2_equiangle_std}: population std over i &lt; j of {@code cos(m̃_i, m̃_j)}. */
    public static double equiangleStd(Means m, int tileSize) {
        return equiangleStd(m, tileSize, CPU);
    }

    public static double equiangleStd(Means m, int tileSize, Backend backend) {
        int k = needClasses(m, 2, "nc2_equiangle_std");
        double[] mc = m.centred();
        checkNonZeroRows(mc, m, "cosines");
        scalb(mc, unitExponent(mc, k, m.dim()));
        return Math.sqrt(backend.pairwiseStats(mc, k, m.dim(), new PairKernel.Cosine(), tileSize, m.dtype()).variance());
    }

    /** {@code nc2_maxangle}: mean over i &lt; j of {@code |cos(m̃_i, m̃_j) + 1/(K−1)|}. */
    public static double maxAngle(Means m, int tileSize) {
        return maxAngle(m, tileSize, CPU);
    }

    public static double maxAngle(Means m, int tileSize, Backend backend) {
        int k = needClasses(m, 2, "nc2_maxangle");
        double[] mc = m.centred();
        checkNonZeroRows(mc, m, "cosines");
        scalb(mc, unitExponent(mc, k, m.dim()));
        return backend.pairwiseStats(mc, k, m.dim(), new PairKernel.MaxAngle(k), tileSize, m.dtype()).mean();
    }

    /**
     * Mean and variance over i &lt; j of {@code kernel(m̂_i, m̂_j)}, {@code m̂ = normalize(μ_c − μ_G)}
     * (Liu et al. 2023, GNC2), walking tiles of the upper triangle without the K×K grid.
     */
    public static KernelStats kernelStats(Means m, PairKernel kernel, int tileSize) {
        return kernelStats(m, kernel, tileSize, CPU);
    }

    public static KernelStats kernelStats(Means m, PairKernel kernel, int tileSize, Backend backend) {
        int k = needClasses(m, 2, "kernel_stats");
        PairStats s = backend.pairwiseStats(normalizedCentred(m), k, m.dim(), kernel, tileSize, m.dtype());
        return KernelStats.of(s);
    }

    /**
     * The K×K grid of {@code kernel(m̂_i, m̂_j)} over the selected classes (row-major, NaN on the
     * diagonal). Memory grows as K²: prefer {@link #kernelStats}.
     */
    public static double[] kernelGrid(Means m, PairKernel kernel, int tileSize) {
        return kernelGrid(m, kernel, tileSize, CPU);
    }

    public static double[] kernelGrid(Means m, PairKernel kernel, int tileSize, Backend backend) {
        int k = needClasses(m, 1, "kernel_grid");
        return backend.pairwiseGrid(normalizedCentred(m), k, m.dim(), kernel, tileSize, m.dtype());
    }

    // ---------------------------------------------------------------- NC3

    /** {@code nc3_dual_err}: the ETF error of {@code S = W M̃ᵀ} (W uncentred; Zhu et al. 2021). */
    public static double selfDualityError(Classifier w, Means m) {
        return selfDualityError(w, m, CPU);
    }

    /** As {@link #selfDualityError(Classifier, Means)}, the products on {@code backend}. */
    public static double selfDualityError(Classifier w, Means m, Backend backend) {
        return selfDualityError(w, m, backend, null);
    }

    static double selfDualityError(Classifier w, Means m, Backend backend, double[] centred) {
        checkClassifier(w, m);
        int k = needClasses(m, 2, "nc3_dual_err");
        return structureError(centred != null ? centred : m.centred(), w.rows(m.selected()), k, m.dim(), backend);
    }

    /**
     * Per selected class {@code ⟨w_c, m̃_c⟩}, or the cosine when {@code cosine} (Wu &amp; Papyan 2024).
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

    /** Per selected class {@code ‖normalize(w_c) − normalize(m̃_c)‖}. */
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

    // ---------------------------------------------------------------- NC4, NC5, others

    /**
     * {@code nc4_agree}: agreement of the nearest-class-centre and linear classifiers. Weighted:
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

    /** {@code mean_norms}: {@code ‖m̃_c‖} per selected class. */
    public static double[] meanNorms(Means m) {
        return rowNorms(m.centred(), m.numSelected(), m.dim());
    }

    /** {@code interference_grid = M̃M̃ᵀ} over the selected classes (row-major K×K). */
    public static double[] interferenceGrid(Means m) {
        int k = m.numSelected();
        if ((long) k * k > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("interference grid at K = " + k + " exceeds a Java array");
        }
        double[] mc = m.centred();
        return CPU.multiplyTransposed(mc, k, mc, k, m.dim());
    }

    // ---------------------------------------------------------------- helpers

    /**
     * {@code ‖S/‖S‖_F − (I − 11ᵀ/K)/√(K−1)‖_F} for {@code S = B Aᵀ} (K×K) from row-major K×D A and
     * B. Above {@link #gramLimit}, or when K − 1 &gt; D, it avoids the K×K matrix: {@code ‖S‖_F² = ⟨BᵀB, AᵀA⟩} and
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

    private static double[] normalizedCentred(Means m) {
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

    /**
     * The exponent e that brings the largest row norm of row-major {@code rows} (k×d) into
     * [2¹⁰, 2¹¹), or 0 when every row is zero. Scaling by 2ᵉ is exact, so a measure computed on
     * the scaled rows is that of the rows themselves, free of float32 overflow/underflow on a
     * device, and the absolute {@code + eps} of the reference's {@code normalize(v) = v/(‖v‖ + eps)}
     * then guards the division (zero rows are refused anyway) while moving the value by less than
     * eps·2⁻¹⁰: the measures become scale-free (issue 12, item 12) and, in float32, no longer
     * differ from float64 by the float32 eps (the golden {@code small} case: 2.4·10⁻⁵ → 2.4·10⁻⁷).
     */
    /** Binary exponent of the largest centred-mean norm the normalising measures work at. */
    static final int NORM_EXPONENT = 10;

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

    private static void checkNonZeroRows(double[] mc, Means m, String what) {
        int d = m.dim();
        int[] sel = m.selected();
        for (int c = 0; c < sel.length; c++) {
            if (norm(mc, c * d, d) == 0) {
                throw new IllegalArgumentException("class " + sel[c] + ": its centred mean has zero norm, so " + what + " are undefined");
            }
        }
    }

    private static double[] rowNorms(double[] a, int k, int d) {
        double[] out = new double[k];
        for (int c = 0; c < k; c++) {
            out[c] = norm(a, c * d, d);
        }
        return out;
    }

    private static double norm(double[] a, int off, int d) {
        double s = 0;
        for (int j = 0; j < d; j++) {
            s += a[off + j] * a[off + j];
        }
        return Math.sqrt(s);
    }

    private static double coefficientOfVariation(double[] v) {
        double mean = Arrays.stream(v).average().orElseThrow(() -> new IllegalArgumentException("no classes selected"));
        double ss = 0;
        for (double x : v) {
            ss += (x - mean) * (x - mean);
        }
        return Math.sqrt(ss / v.length) / mean;
    }

    private static int needClasses(Means m, int min, String what) {
        int k = m.numSelected();
        if (k < min) {
            throw new IllegalArgumentException(what + " needs at least " + min + " selected classes, got K = " + k
                    + (k == 1 ? " (pairs and the simplex ETF need K >= 2)" : ""));
        }
        return k;
    }

    private static void checkSame(Means fromPass, Means m) {
        if (fromPass != m && (fromPass.numClasses() != m.numClasses() || fromPass.dim() != m.dim()
                || !Arrays.equals(fromPass.counts(), m.counts()) || !Arrays.equals(fromPass.means(), m.means()))) {
            throw new IllegalArgumentException("the statistics were accumulated about other class means than the ones given");
        }
    }

    private static void checkClassifier(Classifier w, Means m) {
        if (w.k() != m.numClasses() || w.d() != m.dim()) {
            throw new IllegalArgumentException("classifier is K x D = " + w.k() + " x " + w.d() + " but the means are "
                    + m.numClasses() + " x " + m.dim());
        }
    }
}
