package org.ncj.measure;

import java.util.LinkedHashMap;
import java.util.Map;

import org.ncj.accumulate.Agreement;
import org.ncj.accumulate.Classifier;
import org.ncj.accumulate.Covariance;
import org.ncj.accumulate.Means;
import org.ncj.accumulate.VarNorms;
import org.ncj.backend.Backend;
import org.ncj.pairwise.PairKernel;
import org.ncj.pairwise.PairStats;

/**
 * Every scalar measure that the given statistics allow, under the names of {@code docs/METRICS.md}
 * ({@code nc1_pinv}, ..., {@code nc5_ood_dev}), in a fixed order.
 */
public final class MetricSet {
    private MetricSet() {
    }

    /**
     * Options of the measures that take any.
     *
     * @param tileSize an explicit override of the pairwise tile (the tuner, benchmarks, tests,
     *                 {@code analyze --tile-size}), or {@link #AUTO_TILE} to leave it to the backend
     *                 ({@link Backend#pairwiseTile}: its tuned tile, as the backend makes it)
     */
    public record Options(int tileSize, double distExp, double logExponent, boolean weightedAgreement) {
        /** Leave the tile to the backend's plan ({@link Backend#pairwiseTile}). */
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

    private static double value(boolean ok, java.util.function.DoubleSupplier f) {
        return ok ? f.getAsDouble() : Double.NaN;
    }

    private static boolean finite(double[] v) {
        for (double x : v) {
            if (!Double.isFinite(x)) {
                return false;
            }
        }
        return true;
    }

    private static double[] selected(double[] v, int[] sel) {
        double[] out = new double[sel.length];
        for (int i = 0; i < sel.length; i++) {
            out[i] = v[sel[i]];
        }
        return out;
    }

    /**
     * Notes for the measures that could not be computed in the working precision: with
     * {@code FLOAT32}, a NaN or infinite value means a statistic left float32's range (about
     * 10^±38) even after the accumulators' power-of-two rescaling, or lost every digit; the note
     * names the measures and suggests float64. Empty when every value is finite or for float64.
     */
    public static java.util.List<String> precisionNotes(Map<String, Double> metrics, org.ncj.DType dtype) {
        if (dtype != org.ncj.DType.FLOAT32) {
            return java.util.List.of();
        }
        java.util.List<String> bad = metrics.entrySet().stream().filter(e -> !Double.isFinite(e.getValue()))
                .map(Map.Entry::getKey).toList();
        if (bad.isEmpty()) {
            return java.util.List.of();
        }
        return java.util.List.of(String.join(", ", bad) + " could not be computed in float32 (a statistic outside"
                + " float32's range of about 1e-38..3e38, or no digits left): rerun with --dtype float64");
    }

    /** Every measure that the parts present in {@code stats} allow (see {@link Statistics}). */
    public static Map<String, Double> compute(Backend backend, Statistics stats, Options o) {
        Means m = stats.means();
        Covariance sw = stats.sw();
        VarNorms vn = stats.varNorms();
        Classifier classifier = stats.classifier();
        Agreement agreement = stats.agreement();
        double[] oodMean = stats.oodMean();
        Map<String, Double> r = new LinkedHashMap<>();
        // One plan for the whole set (the tuning table is read once).
        int t = o.tileSize() == Options.AUTO_TILE ? backend.pairwiseTile(m.numSelected(), m.dim(), m.dtype()) : o.tileSize();
        // Statistics that left the working type's range (float32 class sums beyond ~3e38) give NaN
        // measures, explained by precisionNotes, instead of failing inside an eigen-decomposition.
        boolean mOk = finite(m.selectedMeans());
        boolean swOk = mOk && sw != null && finite(sw.sigmaW());
        boolean vnOk = mOk && vn != null && finite(selected(vn.values(), m.selected()));
        // The centred means once for every measure (K×D doubles each time otherwise).
        double[] mc = mOk ? m.centred() : null;
        Pairwise pw = mOk ? new Pairwise(backend, m, mc, vnOk ? vn : null, o, t) : null;
        if (sw != null) {
            double[] pinvSvd = swOk ? Nc1Variability.covariancePinvAndSvd(sw, m, backend, mc) : new double[] {Double.NaN, Double.NaN};
            r.put("nc1_pinv", pinvSvd[0]);
            r.put("nc1_svd", pinvSvd[1]);
            r.put("nc1_quot", value(swOk, () -> Nc1Variability.covarianceQuotient(sw, m, mc)));
        }
        if (vn != null) {
            r.put("nc1_cdnv", value(vnOk, () -> pw.cdnv()));
        }
        r.put("nc2_etf_err", value(mOk, () -> Nc2Geometry.simplexEtfError(m, backend, mc)));
        r.put("nc2_equinorm_means", value(mOk, () -> Nc2Geometry.equinormMeans(m, mc)));
        if (classifier != null) {
            r.put("nc2_equinorm_weights", Nc2Geometry.equinormWeights(classifier, m));
        }
        r.put("nc2_equiangle_std", value(mOk, () -> pw.equiangleStd()));
        r.put("nc2_maxangle", value(mOk, () -> pw.maxAngle()));
        PairKernel[] kernels = Pairwise.kernels(m, o);
        for (int q = 0; q < kernels.length; q++) {
            KernelStats s = mOk ? pw.kernelStats(q) : null;
            r.put("nc2g_" + kernels[q].name() + "_mean", s == null ? Double.NaN : s.mean());
            r.put("nc2g_" + kernels[q].name() + "_var", s == null ? Double.NaN : s.variance());
        }
        if (classifier != null) {
            r.put("nc3_dual_err", value(mOk, () -> Nc3Duality.selfDualityError(classifier, m, backend, mc)));
            r.put("nc3u_uni_dual", value(mOk, () -> Nc3Duality.uniformDuality(classifier, m, mc)));
        }
        if (agreement != null) {
            r.put("nc4_agree", value(mOk, () -> Nc4Agreement.clfNccAgreement(agreement, o.weightedAgreement(), null)));
        }
        if (oodMean != null) {
            r.put("nc5_ood_dev", value(mOk && finite(oodMean), () -> Nc5Ood.orthogonalityDeviation(m, oodMean)));
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
            this.kernels = kernels(m, o);
        }

        /** dist, log and Riesz on the normalised means, in the order of the set. */
        static PairKernel[] kernels(Means m, Options o) {
            return new PairKernel[] {new PairKernel.Dist(), new PairKernel.Log(o.logExponent()),
                    PairKernel.Riesz.forDimension(m.dim())};
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
            // Rows and variances scaled by powers of two (exact, as in Nc1Variability.variabilityCdnv and
            // MeasureSupport.normalizedCentred): float32 products see magnitudes near 1 at any data scale, and the
            // absolute eps of the normalised kernels acts at a fixed scale.
            int e = MeasureSupport.unitExponent(mc, k, d);
            double[] rows = mc;
            double[] v = vn == null ? null : cdnvNorms();
            if (e != 0) {
                rows = mc.clone();
                MeasureSupport.scalb(rows, e);
                if (v != null) {
                    MeasureSupport.scalb(v, 2 * e);
                }
            }
            PairKernel[] onRows = vn == null
                    ? new PairKernel[] {new PairKernel.Cosine(), new PairKernel.MaxAngle(k)}
                    : new PairKernel[] {new PairKernel.Cosine(), new PairKernel.MaxAngle(k),
                            new PairKernel.Cdnv(o.distExp(), v)};
            stats = backend.pairwiseStats(rows, k, d, onRows, kernels, m.dtype().eps(), tile, m.dtype());
        }

        /** The selected classes' variance norms, or null where one is missing (the measure throws). */
        private double[] cdnvNorms() {
            if (vn.means() != m && !MeasureSupport.sameMeans(vn.means(), m)) {
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
            return fusedOk ? stats[2].mean() : Nc1Variability.variabilityCdnv(vn, m, o.distExp(), backend, tile);
        }

        double equiangleStd() {
            run();
            return fusedOk ? Math.sqrt(stats[0].variance()) : Nc2Geometry.equiangleStd(m, backend, tile);
        }

        double maxAngle() {
            run();
            return fusedOk ? stats[1].mean() : Nc2Geometry.maxAngle(m, backend, tile);
        }

        KernelStats kernelStats(int q) {
            run();
            int onRows = vn == null ? 2 : 3;
            return fusedOk ? KernelStats.of(stats[onRows + q]) : Nc2Geometry.kernelStats(m, kernels[q], backend, tile);
        }
    }
}
