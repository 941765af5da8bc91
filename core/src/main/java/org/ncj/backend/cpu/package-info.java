/**
 * The pure-Java CPU backend (all cores; a native BLAS/LAPACK through {@code dev.ludovic.netlib}
 * where the system has one), and the reference every CUDA kernel is tested against.
 */
package org.ncj.backend.cpu;
