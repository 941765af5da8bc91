package org.ncj.report;

import java.util.LinkedHashMap;
import java.util.Map;

/** One-line definitions of every metric name (from {@code docs/METRICS.md}), for the report's table. */
public final class Definitions {
    private Definitions() {
    }

    private static final Map<String, String> DEFS = new LinkedHashMap<>();

    static {
        DEFS.put("nc1_pinv", "NC1: Tr(Σ_W Σ_B⁺)/K — within-class covariance measured against the between-class covariance (Papyan et al. 2020). → 0 under collapse.");
        DEFS.put("nc1_svd", "NC1 with Σ_B⁺ from the top min(K−1, D) eigenpairs of Σ_B (Han et al. 2022). → 0.");
        DEFS.put("nc1_quot", "NC1: Tr(Σ_W)/Tr(Σ_B), within- over between-class variance (Tirer et al. 2023). → 0.");
        DEFS.put("nc1_cdnv", "NC1: class-distance normalised variance, mean over pairs of ((v_i+v_j)/2)/‖μ_i−μ_j‖² (Galanti et al. 2021). → 0.");
        DEFS.put("nc2_etf_err", "NC2: ‖G/‖G‖_F − (I − 11ᵀ/K)/√(K−1)‖_F for the Gram G of the centred class means: distance to a simplex equiangular tight frame. → 0.");
        DEFS.put("nc2_equinorm_means", "NC2: std/mean of the norms of the centred class means. → 0 (equal norms).");
        DEFS.put("nc2_equinorm_weights", "NC2: std/mean of the norms of the classifier rows. → 0.");
        DEFS.put("nc2_equiangle_std", "NC2: std over pairs of cos(m̃_i, m̃_j). → 0 (equal angles).");
        DEFS.put("nc2_maxangle", "NC2: mean over pairs of |cos(m̃_i, m̃_j) + 1/(K−1)|. → 0 (maximally separated).");
        DEFS.put("nc2g_dist_mean", "GNC2: mean pairwise distance of the normalised centred means (Liu et al. 2023).");
        DEFS.put("nc2g_dist_var", "GNC2: variance of the pairwise distances of the normalised centred means. → 0.");
        DEFS.put("nc2g_log_mean", "GNC2: mean of log(1/d) over pairs of normalised centred means (log kernel).");
        DEFS.put("nc2g_log_var", "GNC2: variance of the log kernel over pairs. → 0.");
        DEFS.put("nc2g_riesz_mean", "GNC2: mean of the Riesz kernel sign(s)·d^(−s), s = D − 2, over pairs.");
        DEFS.put("nc2g_riesz_var", "GNC2: variance of the Riesz kernel over pairs. → 0.");
        DEFS.put("nc3_dual_err", "NC3: the ETF error of S = W M̃ᵀ: how far classifier rows and centred means are from a dual (aligned) simplex frame (Zhu et al. 2021). → 0.");
        DEFS.put("nc3u_uni_dual", "UNC3: variance (÷(K−1)) of the per-class similarities ⟨w_c, m̃_c⟩ (Wu & Papyan 2024). → 0.");
        DEFS.put("nc4_agree", "NC4: share of evaluation samples on which the linear classifier and the nearest-class-centre classifier agree. → 1.");
        DEFS.put("nc5_ood_dev", "NC5: mean over classes of |cos(μ_c, μ_G^OOD)| for out-of-distribution data (Ammar et al. 2024). → 0 (OOD orthogonal to the classes).");
    }

    /** The definition of a metric, or an empty string. */
    public static String of(String name) {
        return DEFS.getOrDefault(name, "");
    }

    /** Every known name, in the library's order. */
    public static Iterable<String> names() {
        return DEFS.keySet();
    }
}
