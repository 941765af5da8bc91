/**
 * Benchmarks of the CPU backend's package-private kernels ({@link org.ncj.backend.cpu.DecisionScanRate}),
 * in the library's package to reach them; figures in {@code bench/RESULTS.md}.
 */
package org.ncj.backend.cpu;
