/**
 * Probes of the CPU backend's package-private kernels, in the library's package to reach them:
 * {@link org.ncj.backend.cpu.DecisionScanRate} (the decisions' scans),
 * {@link org.ncj.backend.cpu.ScoreKernelRate} (the decisions' score kernel against the FP32 peak
 * and a streaming read) and {@link org.ncj.backend.cpu.FixedPointMeansRate} (where the float32
 * variance norms' fixed-point means pay). Each is a {@code main} run with
 * {@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar CLASS};
 * figures in {@code bench/RESULTS.md}.
 */
package org.ncj.backend.cpu;
