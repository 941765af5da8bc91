/**
 * Where the arithmetic runs: the {@link org.ncj.backend.Backend} interface ({@code Backend.auto()},
 * {@code cpu()}, {@code cuda()}) and the operations the accumulators and measures ask of it.
 */
package org.ncj.backend;
