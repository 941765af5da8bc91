/**
 * JMH benchmarks of the CPU backend and the measures ({@code bench/run-cpu.sh}); figures in
 * {@code bench/RESULTS.md}.
 */
package org.ncj.bench;
