package org.ncj.backend.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.logging.Logger;

import org.ncj.backend.SymmetricEigen;

/**
 * One {@link CudaBackend}'s hold on device 0, handed to every CUDA operation when it is made:
 * a reference to the shared {@link CudaContext}, the {@link Stager} (pinned slots, copy and
 * compute streams, scratch), the cuSOLVER handle once loaded, and the registry of operations
 * still open. Operations reach the device only through their session, never through the
 * backend, so the backend is a façade over the session and nothing calls back into it.
 *
 * <p>Ownership: the session owns the context reference, the stager and the solver; each
 * operation owns its device buffers and is registered here from construction until it closes.
 * Closing the session closes the operations still open (with a warning), then the solver, the
 * stager, and drops the context reference. An operation used after its session closed fails
 * with an {@link IllegalStateException} that says so ({@link #checkUsable}).
 *
 * <p>Staging memory: the stager's slots grow to the largest piece staged and are kept, since
 * pinned allocations cost more than the copies they serve. When an operation's buffers do not
 * fit on the device ({@link #allocate}), the session frees the idle slots and scratch
 * ({@link Stager#trim}) and tries once more: the slots grow back on the next batch, to what
 * the device then holds (halving the pieces as {@link Stager} does when memory runs out).
 */
final class DeviceSession extends Resource {
    private static final Logger LOG = Logger.getLogger(DeviceSession.class.getName());

    private final CudaContext ctx;
    private final Stager stager;
    private final Set<Resource> live = ConcurrentHashMap.newKeySet();
    private CuSolver solver;
    private String solverFailure;

    /** Acquires the shared context and opens a stager of {@code stageBytes} per slot. */
    DeviceSession(long stageBytes) {
        super("CUDA device session");
        CudaContext c = CudaContext.acquire();
        try {
            stager = new Stager(c, stageBytes);
        } catch (RuntimeException e) {
            c.release();
            throw e;
        }
        ctx = c;
    }

    CudaContext context() {
        return ctx;
    }

    Stager stager() {
        return stager;
    }

    /**
     * Makes an operation and registers it until it closes ({@link #forget}); fails without
     * making it when the session is closed.
     */
    <T extends Resource> T open(Supplier<T> make) {
        ensureOpen();
        T r = make.get();
        live.add(r);
        return r;
    }

    /** Called once by an operation as it closes. */
    void forget(Resource r) {
        live.remove(r);
    }

    /** Operations registered and not yet closed. */
    int openOperations() {
        return live.size();
    }

    /** Throws, naming {@code operation}, when this session (its backend) is closed. */
    void checkUsable(String operation) {
        if (isClosed()) {
            throw new IllegalStateException(operation + " cannot be used: its CUDA backend is closed");
        }
    }

    /**
     * Device memory for an operation's buffers: when it does not fit, the idle staging slots and
     * scratch are freed and the allocation is tried once more.
     */
    DeviceMemory allocate(long bytes) {
        try {
            return DeviceMemory.allocate(ctx, bytes);
        } catch (CudaOutOfMemoryException e) {
            if (stager.trim() == 0) {
                throw e;
            }
            return DeviceMemory.allocate(ctx, bytes);
        }
    }

    /**
     * The eigen-decomposition on the compute stream with cuSOLVER, or {@link CpuFallback#eigh}
     * when cuSOLVER cannot be loaded here.
     */
    SymmetricEigen eigh(double[] a, int n) {
        CuSolver s = solver();
        if (s == null) {
            return CpuFallback.eigh(a, n);
        }
        synchronized (stager) {
            return s.eigh(a, n, stager.compute);
        }
    }

    /** Which eigen-solver {@link #eigh} uses: the cuSOLVER library path, or why the CPU is used. */
    synchronized String eighImplementation() {
        CuSolver s = solver();
        return s != null ? "cuSOLVER " + s.library : "CPU LAPACK (" + solverFailure + ")";
    }

    private synchronized CuSolver solver() {
        if (solver == null && solverFailure == null) {
            try {
                solver = new CuSolver(ctx);
            } catch (RuntimeException | LinkageError e) {
                solverFailure = "cuSOLVER unavailable: " + e.getMessage();
                CpuFallback.noteEigh(solverFailure);
            }
        }
        return solver;
    }

    @Override
    void release() {
        try {
            List<Resource> open = new ArrayList<>(live);
            if (!open.isEmpty()) {
                LOG.warning(() -> "closing the CUDA backend with " + open.size() + " accumulator(s) still open: closing them");
                for (Resource r : open) {
                    if (!r.isClosed()) {
                        r.close();
                    }
                }
            }
            synchronized (this) {
                if (solver != null) {
                    solver.close();
                }
            }
            stager.close();
        } finally {
            ctx.release();
        }
    }
}
