/**
 * The CUDA backend: the JCuda driver API, kernels shipped as PTX resources (sources in the
 * repository's {@code cuda/}), cuSOLVER and cuBLAS bound with {@code java.lang.foreign}. Every
 * device resource is {@code AutoCloseable} with one owner.
 */
package org.ncj.backend.cuda;
