/**
 * JMH benchmarks of the CPU backend and the measures ({@code bench/run-cpu.sh}), the targets of
 * issue #13 with their limits in the same run ({@link org.ncj.bench.Targets},
 * {@code bench/run-targets-cpu.sh}) and probes behind its figures
 * ({@link org.ncj.bench.ClassSumsTableSweep}); figures in {@code bench/RESULTS.md}.
 */
package org.ncj.bench;
