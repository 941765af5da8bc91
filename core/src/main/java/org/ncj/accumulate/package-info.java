/**
 * Accumulators that stream batches of embeddings and labels into class statistics: class means
 * ({@link org.ncj.accumulate.MeanAccumulator}), the within-class covariance and variance norms
 * about fixed means (second pass: {@link org.ncj.accumulate.CovarAccumulator},
 * {@link org.ncj.accumulate.VarNormAccumulator}), classifier agreement
 * ({@link org.ncj.accumulate.DecAccumulator}), or all of the first in one pass
 * ({@link org.ncj.accumulate.ClassStatistics}). Every accumulator merges, saves and loads.
 */
package org.ncj.accumulate;
