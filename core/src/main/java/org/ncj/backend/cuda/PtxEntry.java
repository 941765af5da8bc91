package org.ncj.backend.cuda;

/** Every kernel entry point of {@code cuda/ABI.md}, with the PTX family (file) that holds it. */
enum PtxEntry {
    CLASS_SUMS_SMALL_F32("class_sums", "nc_class_sums_small_f32"),
    CLASS_SUMS_SMALL_F64("class_sums", "nc_class_sums_small_f64"),
    CLASS_SUMS_LARGE_F32("class_sums", "nc_class_sums_large_f32"),
    CLASS_SUMS_LARGE_F64("class_sums", "nc_class_sums_large_f64"),
    CLASS_SUMS_SORTED_F32("class_sums", "nc_class_sums_sorted_f32"),
    CLASS_SUMS_SORTED_F64("class_sums", "nc_class_sums_sorted_f64"),
    CENTRE_F32("centre", "nc_centre_f32"),
    CENTRE_F64("centre", "nc_centre_f64"),
    SYRK_F32("syrk", "nc_syrk_f32"),
    SYRK_F64("syrk", "nc_syrk_f64"),
    MIRROR_UPPER_F64("syrk", "nc_mirror_upper_f64"),
    PAIRWISE_STATS_F64("pairwise", "nc_pairwise_stats_f64"),
    PAIRWISE_GRID_F64("pairwise", "nc_pairwise_grid_f64"),
    PAIRWISE_GEMM_STATS_F32_T64("pairwise", "nc_pairwise_gemm_stats_f32_t64"),
    PAIRWISE_GEMM_STATS_F32_T128("pairwise", "nc_pairwise_gemm_stats_f32_t128"),
    PAIRWISE_GEMM_GRID_F32_T64("pairwise", "nc_pairwise_gemm_grid_f32_t64"),
    PAIRWISE_GEMM_GRID_F32_T128("pairwise", "nc_pairwise_gemm_grid_f32_t128"),
    DECISIONS_F32("decisions", "nc_decisions_f32"),
    DECISIONS_F64("decisions", "nc_decisions_f64");

    /** Families, i.e. PTX files {@code ptx/<family>.ptx}. */
    static final String[] FAMILIES = {"class_sums", "centre", "syrk", "pairwise", "decisions"};
    /** Resource folder of the PTX files. */
    static final String PTX_DIR = "/org/ncj/backend/cuda/ptx/";

    final String family;
    final String entry;

    PtxEntry(String family, String entry) {
        this.family = family;
        this.entry = entry;
    }

    private static final java.util.Map<String, PtxEntry> BY_ENTRY = new java.util.HashMap<>();

    static {
        for (PtxEntry k : values()) {
            BY_ENTRY.put(k.entry, k);
        }
    }

    /** The entry {@code <operation>_<suffix>} of a precision, e.g. {@code of("nc_centre", FLOAT32)}. */
    static PtxEntry of(String operation, org.ncj.DType dtype) {
        PtxEntry k = BY_ENTRY.get(operation + "_" + dtype.suffix());
        if (k == null) {
            throw new IllegalArgumentException("no entry " + operation + "_" + dtype.suffix() + " in PtxEntry");
        }
        return k;
    }

    static String resource(String family) {
        return PTX_DIR + family + ".ptx";
    }
}
