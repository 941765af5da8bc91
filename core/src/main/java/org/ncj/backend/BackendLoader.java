package org.ncj.backend;

/**
 * Finds the CUDA backend without making the CPU path depend on it: the CUDA classes (and JCuda)
 * are loaded reflectively, and any failure is turned into a reason string, cached once.
 */
final class BackendLoader {
    private static final String CUDA_CLASS = "org.ncj.backend.cuda.CudaBackend";
    private static volatile String cachedReason;
    private static volatile boolean probed;

    private BackendLoader() {
    }

    /** Null when the CUDA backend can be created, else one line saying why not. */
    static String cudaUnavailableReason() {
        if (!probed) {
            synchronized (BackendLoader.class) {
                if (!probed) {
                    cachedReason = probe();
                    probed = true;
                }
            }
        }
        return cachedReason;
    }

    private static String probe() {
        try {
            Class<?> c = Class.forName(CUDA_CLASS);
            return (String) c.getMethod("unavailableReason").invoke(null);
        } catch (ClassNotFoundException e) {
            return "this build has no CUDA backend";
        } catch (ReflectiveOperationException | LinkageError e) {
            Throwable t = e.getCause() != null ? e.getCause() : e;
            return "CUDA backend failed to load: " + t;
        }
    }

    static Backend cuda() {
        String why = cudaUnavailableReason();
        if (why != null) {
            throw new BackendUnavailableException("CUDA backend unavailable: " + why);
        }
        try {
            return (Backend) Class.forName(CUDA_CLASS).getConstructor().newInstance();
        } catch (java.lang.reflect.InvocationTargetException e) {
            Throwable t = e.getCause();
            if (t instanceof RuntimeException r) {
                throw r;
            }
            throw new BackendUnavailableException("CUDA backend failed to start: " + t, t);
        } catch (ReflectiveOperationException e) {
            throw new BackendUnavailableException("CUDA backend failed to start: " + e, e);
        }
    }
}
