package org.ncj.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import jcuda.Pointer;

import org.ncj.backend.SymmetricEigen;

/**
 * {@code cusolverDnDsyevd} (float64, divide and conquer) bound with {@code java.lang.foreign}.
 * One handle per backend, used under its lock on the compute stream.
 */
final class CuSolver extends Resource {
    private static final int EIG_MODE_VECTOR = 1;
    private static final int FILL_MODE_LOWER = 0;
    private static final String[] PRELOAD = {"libnvJitLink.so.13", "libnvJitLink.so.12", "libcublasLt.so.13",
            "libcublas.so.13", "libcublasLt.so.12", "libcublas.so.12", "libcusparse.so.12"};

    private final CudaContext ctx;
    private final Arena arena = Arena.ofShared();
    private final MethodHandle destroy;
    private final MethodHandle setStream;
    private final MethodHandle bufferSize;
    private final MethodHandle syevd;
    private final MemorySegment handle;
    final String library;

    CuSolver(CudaContext ctx) {
        super("cuSOLVER handle");
        this.ctx = ctx;
        try {
            SymbolLookup lib = NativeLibraries.load(arena, PRELOAD, "libcusolver.so.12", "libcusolver.so.11");
            java.nio.file.Path p = NativeLibraries.find("libcusolver.so.12", "libcusolver.so.11");
            library = p == null ? "libcusolver (loader path)" : p.toString();
            Linker linker = Linker.nativeLinker();
            MethodHandle create = linker.downcallHandle(lib.findOrThrow("cusolverDnCreate"),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS));
            destroy = linker.downcallHandle(lib.findOrThrow("cusolverDnDestroy"), FunctionDescriptor.of(JAVA_INT, ADDRESS));
            setStream = linker.downcallHandle(lib.findOrThrow("cusolverDnSetStream"),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
            bufferSize = linker.downcallHandle(lib.findOrThrow("cusolverDnDsyevd_bufferSize"),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
            syevd = linker.downcallHandle(lib.findOrThrow("cusolverDnDsyevd"),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS,
                            ADDRESS, JAVA_INT, ADDRESS));
            ctx.makeCurrent();
            MemorySegment out = arena.allocate(ADDRESS);
            status((int) create.invokeExact(out), "cusolverDnCreate");
            handle = out.get(ADDRESS, 0);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        } catch (Throwable t) {
            arena.close();
            throw new IllegalStateException("cuSOLVER binding failed: " + t, t);
        }
    }

    private static void status(int s, String what) {
        if (s != 0) {
            throw new CudaException(s, what + " failed with cusolverStatus " + s);
        }
    }

    /** Eigen-decomposition of a symmetric row-major n×n matrix (upper triangle read). */
    SymmetricEigen eigh(double[] a, int n, CudaStream stream) {
        ensureOpen();
        ctx.makeCurrent();
        long nn = (long) n * n;
        try (DeviceMemory da = DeviceMemory.allocate(ctx, 8L * nn);
             DeviceMemory dw = DeviceMemory.allocate(ctx, 8L * n);
             DeviceMemory info = DeviceMemory.allocate(ctx, 4);
             Arena local = Arena.ofConfined()) {
            // On the solver's stream, before cusolverDnDsyevd reads it.
            Cuda.check(cuMemcpyHtoDAsync(da.ptr(), Pointer.to(a), 8L * nn, stream.get()), "cuMemcpyHtoDAsync eigh matrix");
            MemorySegment h = handle;
            status((int) setStream.invokeExact(h, MemorySegment.ofAddress(stream.handle())), "cusolverDnSetStream");
            MemorySegment lw = local.allocate(JAVA_INT);
            // Row-major upper triangle = column-major lower triangle.
            status((int) bufferSize.invokeExact(h, EIG_MODE_VECTOR, FILL_MODE_LOWER, n,
                    MemorySegment.ofAddress(da.address()), n, MemorySegment.ofAddress(dw.address()), lw),
                    "cusolverDnDsyevd_bufferSize");
            int lwork = Math.max(1, lw.get(JAVA_INT, 0));
            try (DeviceMemory work = DeviceMemory.allocate(ctx, 8L * lwork)) {
                status((int) syevd.invokeExact(h, EIG_MODE_VECTOR, FILL_MODE_LOWER, n,
                        MemorySegment.ofAddress(da.address()), n, MemorySegment.ofAddress(dw.address()),
                        MemorySegment.ofAddress(work.address()), lwork, MemorySegment.ofAddress(info.address())),
                        "cusolverDnDsyevd");
                stream.sync();
            }
            int[] inf = new int[1];
            Cuda.check(cuMemcpyDtoH(Pointer.to(inf), info.ptr(), 4), "cuMemcpyDtoH devInfo");
            if (inf[0] != 0) {
                throw new ArithmeticException("cusolverDnDsyevd failed for an " + n + "x" + n + " matrix (info = " + inf[0] + ")");
            }
            double[] w = new double[n];
            double[] v = new double[(int) nn];
            Cuda.check(cuMemcpyDtoH(Pointer.to(w), dw.ptr(), 8L * n), "cuMemcpyDtoH eigenvalues");
            Cuda.check(cuMemcpyDtoH(Pointer.to(v), da.ptr(), 8L * nn), "cuMemcpyDtoH eigenvectors");
            return new SymmetricEigen(w, v, n);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cuSOLVER call failed: " + t, t);
        }
    }

    @Override
    void release() {
        try {
            ctx.makeCurrent();
            status((int) destroy.invokeExact(handle), "cusolverDnDestroy");
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        } finally {
            arena.close();
        }
    }
}
