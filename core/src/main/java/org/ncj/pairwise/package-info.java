/**
 * Pairwise kernel functors on class means (distance, log, Riesz, CDNV, cosine) and the merged
 * statistics ({@link org.ncj.pairwise.PairStats}) that tiles of pairs reduce to.
 */
package org.ncj.pairwise;
