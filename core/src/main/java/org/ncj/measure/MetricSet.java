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
        // Statistics that left the working type's range (float32 class sums beyond ~3e38) give NaN
        // measures, explained by precisionNotes, instead of failing inside an eigen-decomposition.
        boolean mOk = finite(m.selectedMeans());
        boolean swOk = mOk && sw != null && finite(sw.sigmaW());
        boolean vnOk = mOk && vn != null && finite(selected(vn.values(), m.selected()));
        if (sw != null) {
            r.put("nc1_pinv", value(swOk, () -> Measures.covariancePinv(sw, m, backend)));
            r.put("nc1_svd", value(swOk, () -> Measures.covarianceSvd(sw, m, backend)));
            r.put("nc1_quot", value(swOk, () -> Measures.covarianceQuotient(sw, m)));
        }
        if (vn != null) {
            r.put("nc1_cdnv", value(vnOk, () -> Measures.variabilityCdnv(vn, m, o.distExp(), t, backend)));
        }
        r.put("nc2_etf_err", value(mOk, () -> Measures.simplexEtfError(m, backend)));
        r.put("nc2_equinorm_means", value(mOk, () -> Measures.equinormMeans(m)));
        if (classifier != null) {
            r.put("nc2_equinorm_weights", Measures.equinormWeights(classifier, m));
        }
        r.put("nc2_equiangle_std", value(mOk, () -> Measures.equiangleStd(m, t, backend)));
        r.put("nc2_maxangle", value(mOk, () -> Measures.maxAngle(m, t, backend)));
        for (PairKernel k : new PairKernel[] {new PairKernel.Dist(), new PairKernel.Log(o.logExponent()),
                PairKernel.Riesz.forDimension(m.dim())}) {
            KernelStats s = mOk ? Measures.kernelStats(m, k, t, backend) : null;
            r.put("nc2g_" + k.name() + "_mean", s == null ? Double.NaN : s.mean());
            r.put("nc2g_" + k.name() + "_var", s == null ? Double.NaN : s.variance());
        }
        if (classifier != null) {
            r.put("nc3_dual_err", value(mOk, () -> Measures.selfDualityError(classifier, m, backend)));
            r.put("nc3u_uni_dual", value(mOk, () -> Measures.uniformDuality(classifier, m)));
        }
        if (agreement != null) {
            r.put("nc4_agree", value(mOk, () -> Measures.clfNccAgreement(agreement, o.weightedAgreement(), null)));
        }
        if (oodMean != null) {
            r.put("nc5_ood_dev", value(mOk && finite(oodMean), () -> Measures.orthogonalityDeviation(m, oodMean)));
        }
        return r;
    }
}
