package org.ncj.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * cuBLAS {@code ssyrk}/{@code sgemm} bound with {@code java.lang.foreign}: only the baselines
 * the throughput check compares the hand-written kernels with. Column-major, as cuBLAS is.
 */
final class CuBlas extends Resource {
    static final int FILL_UPPER = 1;
    static final int OP_N = 0;
    static final int OP_T = 1;

    private final CudaContext ctx;
    private final Arena arena = Arena.ofShared();
    private final MethodHandle destroy;
    private final MethodHandle setStream;
    private final MethodHandle ssyrk;
    private final MethodHandle sgemm;
    private final MemorySegment handle;
    private final MemorySegment alpha;
    private final MemorySegment beta;

    CuBlas(CudaContext ctx) {
        super("cuBLAS handle");
        this.ctx = ctx;
        try {
            SymbolLookup lib = NativeLibraries.load(arena, new String[] {"libcublasLt.so.13", "libcublasLt.so.12"},
                    "libcublas.so.13", "libcublas.so.12");
            Linker l = Linker.nativeLinker();
            MethodHandle create = l.downcallHandle(lib.findOrThrow("cublasCreate_v2"), FunctionDescriptor.of(JAVA_INT, ADDRESS));
            destroy = l.downcallHandle(lib.findOrThrow("cublasDestroy_v2"), FunctionDescriptor.of(JAVA_INT, ADDRESS));
            setStream = l.downcallHandle(lib.findOrThrow("cublasSetStream_v2"), FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
            ssyrk = l.downcallHandle(lib.findOrThrow("cublasSsyrk_v2"), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT,
                    JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
            sgemm = l.downcallHandle(lib.findOrThrow("cublasSgemm_v2"), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT,
                    JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
            ctx.makeCurrent();
            MemorySegment out = arena.allocate(ADDRESS);
            status((int) create.invokeExact(out), "cublasCreate_v2");
            handle = out.get(ADDRESS, 0);
            alpha = arena.allocate(JAVA_FLOAT);
            alpha.set(JAVA_FLOAT, 0, 1f);
            beta = arena.allocate(JAVA_FLOAT);
            beta.set(JAVA_FLOAT, 0, 1f);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        } catch (Throwable t) {
            arena.close();
            throw new IllegalStateException("cuBLAS binding failed: " + t, t);
        }
    }

    private static void status(int s, String what) {
        if (s != 0) {
            throw new CudaException(s, what + " failed with cublasStatus " + s);
        }
    }

    private static MemorySegment at(long address) {
        return MemorySegment.ofAddress(address);
    }

    void setStream(CudaStream s) throws Throwable {
        status((int) setStream.invokeExact(handle, at(s.handle())), "cublasSetStream_v2");
    }

    /**
     * {@code C += Xᵀ X} for a row-major n×d float matrix X (= column-major d×n, so C = A Aᵀ with
     * A = X column-major, no transpose), upper triangle of the d×d column-major C.
     */
    void ssyrkRowMajor(long x, long n, int d, long c) throws Throwable {
        ctx.makeCurrent();
        status((int) ssyrk.invokeExact(handle, FILL_UPPER, OP_N, d, (int) n, alpha, at(x), d, beta, at(c), d),
                "cublasSsyrk_v2");
    }

    /** {@code C(m×n) += A(m×k) B(k×n)}, column-major, no transposes. */
    void sgemm(int m, int n, int k, long a, long b, long c) throws Throwable {
        ctx.makeCurrent();
        status((int) sgemm.invokeExact(handle, OP_N, OP_N, m, n, k, alpha, at(a), m, at(b), k, beta, at(c), m), "cublasSgemm_v2");
    }

    @Override
    void release() {
        try {
            ctx.makeCurrent();
            status((int) destroy.invokeExact(handle), "cublasDestroy_v2");
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        } finally {
            arena.close();
        }
    }
}
