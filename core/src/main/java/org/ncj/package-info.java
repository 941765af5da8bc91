/**
 * ncj: neural-collapse measures (NC1–NC5, after Papyan, Han &amp; Donoho 2020) over streamed
 * embeddings, on the CPU and on CUDA GPUs, with the vocabulary of the Python package
 * rhubarbwu/neural-collapse. Start with {@link org.ncj.accumulate.MeanAccumulator} and
 * the measure families of {@link org.ncj.measure} ({@code Nc1Variability} … {@code Nc5Ood}); every definition is in the repository's {@code docs/METRICS.md}.
 */
package org.ncj;
