package org.ncj.measure;

import java.util.LinkedHashMap;
import java.util.Map;

import org.ncj.accumulate.Agreement;
import org.ncj.accumulate.Classifier;
import org.ncj.accumulate.Covariance;
import org.ncj.accumulate.Means;
import org.ncj.accumulate.VarNorms;
import org.ncj.backend.Backend;
import org.ncj.kernels.PairKernel;
import org.ncj.kernels.PairStats;

/**
 * Every scalar measure that the given statistics allow, under the names of {@code METRICS.md}
 * ({@code nc1_pinv}, ..., {@code nc5_ood_dev}), in a fixed order.
 */
public final class MetricSet {
    private MetricSet() {
    }

    /**
     * Options of the measures that take any.
     *
     * @param tileSize pairwise tile size, or {@link #AUTO_TILE} for the tuned one ({@link Tuning})
     */
    public record Options(int tileSize, double distExp, double logExponent, boolean weightedAgreement) {
        /** Use the tile the tuning table gives for this backend and shape ({@link Tuning#tileSize}). */
        public static final int AUTO_TILE = 0;
        public static final Options DEFAULT = new Options(AUTO_TILE, 1.0, -1.0, true);

        public Options {
            if (tileSize < 0) {
                throw new IllegalArgumentException("tileSize must be >= 1 (or 0 for the tuned size), got " + tileSize);
            }
        }

        public Options withTileSize(int t) {
            return new Options(t, distExp, logExponent, weightedAgreement);
        }
    }

    /**
     * @param sw         Σ_W, or null to skip nc1_pinv/svd/quot
     * @param vn         variance norms, or null to skip nc1_cdnv
     * @param classifier weights (and bias), or null to skip NC3 and nc2_equinorm_weights
     * @param agreement  decisions on an evaluation set, or null to skip nc4_agree
     * @param oodMean    global mean of out-of-distribution embeddings, or null to skip nc5_ood_dev
     */
    public static Map<String, Double> compute(Backend backend, Means m, Covariance sw, VarNorms vn, Classifier classifier,
                                              Agreement agreement, double[] oodMean, Options o) {
        Map<String, Double> r = new LinkedHashMap<>();
        int t = o.tileSize() == Options.AUTO_TILE ? Tuning.tileSize(backend, m.numSelected(), m.dim()) : o.tileSize();
        // The centred means once for every measure (K×D doubles each time otherwise).
        double[] mc = m.centred();
        Pairwise pw = new Pairwise(backend, m, mc, vn, o, t);
        if (sw != null) {
            double[] pinvSvd = Measures.covariancePinvAndSvd(sw, m, backend, mc);
            r.put("nc1_pinv", pinvSvd[0]);
            r.put("nc1_svd", pinvSvd[1]);
            r.put("nc1_quot", Measures.covarianceQuotient(sw, m, mc));
        }
        if (vn != null) {
            r.put("nc1_cdnv", pw.cdnv());
        }
        r.put("nc2_etf_err", Measures.simplexEtfError(m, backend, mc));
        r.put("nc2_equinorm_means", Measures.equinormMeans(m, mc));
        if (classifier != null) {
            r.put("nc2_equinorm_weights", Measures.equinormWeights(classifier, m));
        }
        r.put("nc2_equiangle_std", pw.equiangleStd());
        r.put("nc2_maxangle", pw.maxAngle());
        PairKernel[] kernels = pw.kernels();
        for (int q = 0; q < kernels.length; q++) {
            KernelStats s = pw.kernelStats(q);
            r.put("nc2g_" + kernels[q].name() + "_mean", s.mean());
            r.put("nc2g_" + kernels[q].name() + "_var", s.variance());
        }
        if (classifier != null) {
            r.put("nc3_dual_err", Measures.selfDualityError(classifier, m, backend, mc));
            r.put("nc3u_uni_dual", Measures.uniformDuality(classifier, m, mc));
        }
        if (agreement != null) {
            r.put("nc4_agree", Measures.clfNccAgreement(agreement, o.weightedAgreement(), null));
        }
        if (oodMean != null) {
            r.put("nc5_ood_dev", Measures.orthogonalityDeviation(m, oodMean));
        }
        return r;
    }

    /**
     * Every pairwise statistic of the set from one walk over the pairs of the centred means
     * ({@link Backend#pairwiseStats(double[], int, int, PairKernel[], PairKernel[], double, int,
     * org.ncj.DType)}): CDNV (distances of centred means equal those of the uncentred ones), the
     * cosines, and dist/log/Riesz on the normalised means. Computed on first use; a measure whose
     * precondition fails (fewer than 2 classes, a zero centred mean) is left to its own method, which
     * throws the same error at the same point of the set as before.
     */
    private static final class Pairwise {
        private final Backend backend;
        private final Means m;
        private final double[] mc;
        private final VarNorms vn;
        private final Options o;
        private final int tile;
        private final PairKernel[] kernels;
        private PairStats[] stats;
        private boolean fusedOk;

        Pairwise(Backend backend, Means m, double[] mc, VarNorms vn, Options o, int tile) {
            this.backend = backend;
            this.m = m;
            this.mc = mc;
            this.vn = vn;
            this.o = o;
            this.tile = tile;
            this.kernels = new PairKernel[] {new PairKernel.Dist(), new PairKernel.Log(o.logExponent()),
                    PairKernel.Riesz.forDimension(m.dim())};
        }

        PairKernel[] kernels() {
            return kernels;
        }

        /** Runs the fused walk once, if every pairwise measure's precondition holds. */
        private void run() {
            if (stats != null) {
                return;
            }
            int k = m.numSelected();
            int d = m.dim();
            boolean zeroRow = false;
            for (int c = 0; c < k && !zeroRow; c++) {
                double s = 0;
                for (int j = 0; j < d; j++) {
                    s += mc[c * d + j] * mc[c * d + j];
                }
                zeroRow = s == 0;
            }
            fusedOk = k >= 2 && !zeroRow && (vn == null || cdnvNorms() != null);
            if (!fusedOk) {
                stats = new PairStats[0];
                return;
            }
            PairKernel[] onRows = vn == null
                    ? new PairKernel[] {new PairKernel.Cosine(), new PairKernel.MaxAngle(k)}
                    : new PairKernel[] {new PairKernel.Cosine(), new PairKernel.MaxAngle(k),
                            new PairKernel.Cdnv(o.distExp(), cdnvNorms())};
            stats = backend.pairwiseStats(mc, k, d, onRows, kernels, m.dtype().eps(), tile, m.dtype());
        }

        /** The selected classes' variance norms, or null where one is missing (the measure throws). */
        private double[] cdnvNorms() {
            if (vn.means() != m && !sameMeans(vn.means(), m)) {
                return null;
            }
            int[] sel = m.selected();
            double[] v = new double[sel.length];
            for (int r = 0; r < sel.length; r++) {
                v[r] = vn.values()[sel[r]];
                if (Double.isNaN(v[r])) {
                    return null;
                }
            }
            return v;
        }

        double cdnv() {
            run();
            return fusedOk ? stats[2].mean() : Measures.variabilityCdnv(vn, m, o.distExp(), tile, backend);
        }

        double equiangleStd() {
            run();
            return fusedOk ? Math.sqrt(stats[0].variance()) : Measures.equiangleStd(m, tile, backend);
        }

        double maxAngle() {
            run();
            return fusedOk ? stats[1].mean() : Measures.maxAngle(m, tile, backend);
        }

        KernelStats kernelStats(int q) {
            run();
            int onRows = vn == null ? 2 : 3;
            return fusedOk ? KernelStats.of(stats[onRows + q]) : Measures.kernelStats(m, kernels[q], tile, backend);
        }

        private static boolean sameMeans(Means a, Means b) {
            return a.numClasses() == b.numClasses() && a.dim() == b.dim()
                    && java.util.Arrays.equals(a.counts(), b.counts()) && java.util.Arrays.equals(a.means(), b.means());
        }
    }
}
