/**
 * The neural-collapse measures, one class per family, named as in the Python package
 * rhubarbwu/neural-collapse and defined exactly in {@code docs/METRICS.md}:
 * {@link org.ncj.measure.Nc1Variability} (NC1: {@code covariance_ratio}, {@code variability_cdnv}),
 * {@link org.ncj.measure.Nc2Geometry} (NC2: {@code simplex_etf_error}, equinorm, equiangle,
 * {@code kernel_stats}, {@code kernel_grid}, {@code mean_norms}, {@code interference_grid}),
 * {@link org.ncj.measure.Nc3Duality} (NC3: {@code self_duality_error}, {@code similarities},
 * {@code distance_norms}), {@link org.ncj.measure.Nc4Agreement} ({@code clf_ncc_agreement}) and
 * {@link org.ncj.measure.Nc5Ood} ({@code orthogonality_deviation}); {@link org.ncj.measure.MetricSet}
 * computes all of them by name. Pairwise measures walk the tile their backend plans
 * ({@link org.ncj.backend.Backend#pairwiseTile}).
 */
package org.ncj.measure;
