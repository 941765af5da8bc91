/**
 * One neural-collapse analysis as a library object ({@link org.ncj.analysis.Analysis}): backend,
 * precision, class filter and options in, typed statistics and {@link org.ncj.analysis.Metrics}
 * out. The command line, the demo, the benchmarks and the Spark module run their analyses through
 * it; the accumulators of {@link org.ncj.accumulate} remain for hand-fed pipelines.
 */
package org.ncj.analysis;
