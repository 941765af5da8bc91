package org.ncj.backend.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;

/**
 * The primary context of device 0, shared by every {@link CudaBackend} of the process and
 * reference-counted: the first acquire retains it and loads the PTX modules (once per context),
 * the last release unloads them and releases the primary context. Every call that touches the
 * GPU first makes the context current on the calling thread ({@link #makeCurrent()}).
 */
final class CudaContext {
    private static final Object LOCK = new Object();
    private static volatile String reason;
    private static volatile boolean probed;
    private static CudaContext shared;
    private static int refs;

    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final Map<String, CUmodule> modules = new HashMap<>();
    private final Map<PtxEntry, CUfunction> functions = new EnumMap<>(PtxEntry.class);
    /** PTX parameter types of each entry, checked against every launch's arguments. */
    private final Map<PtxEntry, java.util.List<String>> paramTypes = new EnumMap<>(PtxEntry.class);
    final String name;
    final int sms;
    final int ccMajor;
    final int ccMinor;
    final long totalMem;
    final int driverVersion;
    final int maxSharedPerBlock;

    private CudaContext() {
        Cuda.check(cuInit(0), "cuInit");
        Cuda.check(cuDeviceGet(device, 0), "cuDeviceGet 0");
        Cuda.check(cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
        try {
            makeCurrent();
            byte[] nameBytes = new byte[256];
            Cuda.check(cuDeviceGetName(nameBytes, nameBytes.length, device), "cuDeviceGetName");
            int len = 0;
            while (len < nameBytes.length && nameBytes[len] != 0) {
                len++;
            }
            name = new String(nameBytes, 0, len, java.nio.charset.StandardCharsets.US_ASCII);
            sms = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
            ccMajor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
            ccMinor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
            maxSharedPerBlock = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK);
            long[] total = new long[1];
            Cuda.check(cuDeviceTotalMem(total, device), "cuDeviceTotalMem");
            totalMem = total[0];
            int[] v = new int[1];
            Cuda.check(cuDriverGetVersion(v), "cuDriverGetVersion");
            driverVersion = v[0];
            for (String family : PtxEntry.FAMILIES) {
                CUmodule m = new CUmodule();
                Cuda.check(cuModuleLoadData(m, Ptx.image(family)), "cuModuleLoadData " + family + ".ptx");
                modules.put(family, m);
            }
            for (PtxEntry k : PtxEntry.values()) {
                CUfunction f = new CUfunction();
                Cuda.check(cuModuleGetFunction(f, modules.get(k.family), k.entry), "cuModuleGetFunction " + k.entry);
                functions.put(k, f);
                paramTypes.put(k, java.util.List.copyOf(Ptx.params(Ptx.text(k.family), k.entry)));
            }
        } catch (RuntimeException | Error e) {
            unload();
            cuDevicePrimaryCtxRelease(device);
            throw e;
        }
    }

    private int attribute(int attr) {
        int[] v = new int[1];
        Cuda.check(cuDeviceGetAttribute(v, attr, device), "cuDeviceGetAttribute " + attr);
        return v[0];
    }

    /** Retains the shared context (creating it on first use). */
    static CudaContext acquire() {
        synchronized (LOCK) {
            if (shared == null) {
                shared = new CudaContext();
            }
            refs++;
            shared.makeCurrent();
            return shared;
        }
    }

    /** Drops one reference; the last unloads the modules and releases the primary context. */
    void release() {
        synchronized (LOCK) {
            if (shared != this || refs <= 0) {
                throw new IllegalStateException("CUDA context released more often than acquired");
            }
            if (--refs == 0) {
                makeCurrent();
                try {
                    unload();
                } finally {
                    shared = null;
                    Cuda.check(cuDevicePrimaryCtxRelease(device), "cuDevicePrimaryCtxRelease");
                }
            }
        }
    }

    private void unload() {
        for (CUmodule m : modules.values()) {
            cuModuleUnload(m);
        }
        modules.clear();
        functions.clear();
    }

    /** Makes the primary context current on the calling thread (cheap; call before any GPU work). */
    void makeCurrent() {
        Cuda.check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
    }

    /** {@code {free, total}} device memory in bytes. */
    long[] memInfo() {
        makeCurrent();
        long[] free = new long[1];
        long[] total = new long[1];
        Cuda.check(cuMemGetInfo(free, total), "cuMemGetInfo");
        return new long[] {free[0], total[0]};
    }

    /**
     * Launches {@code kernel} with a 1-D block. Arguments: {@link Integer} is a C {@code int},
     * {@link Long} a {@code long long} or a raw device pointer, {@link Double} a {@code double},
     * {@link DeviceMemory} its address, null a null pointer.
     */
    void launch(PtxEntry kernel, int gridX, int gridY, int block, int sharedBytes, CUstream stream, Object... args) {
        // A launch whose arguments do not fit the kernel's parameters would read garbage: refuse it.
        String bad = Ptx.mismatch(kernel.entry, paramTypes.get(kernel), args);
        if (bad != null) {
            throw new IllegalStateException("kernel launch does not match the PTX (cuda/ABI.md): " + bad);
        }
        Pointer[] params = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            params[i] = switch (a) {
                case null -> Pointer.to(new long[] {0L});
                case Integer v -> Pointer.to(new int[] {v});
                case Long v -> Pointer.to(new long[] {v});
                case Double v -> Pointer.to(new double[] {v});
                case DeviceMemory m -> Pointer.to(new long[] {m.address()});
                default -> throw new IllegalArgumentException("unsupported kernel argument " + a.getClass());
            };
        }
        makeCurrent();
        Cuda.check(cuLaunchKernel(functions.get(kernel), gridX, gridY, 1, block, 1, 1, sharedBytes, stream,
                Pointer.to(params), null), "cuLaunchKernel " + kernel.entry);
    }

    /**
     * Null when the backend can run here, else one line why not. Probed once and cached: a
     * missing driver library or JCuda native is caught as a {@link LinkageError} here, never
     * thrown at the caller.
     */
    static String unavailableReason() {
        if (!probed) {
            synchronized (LOCK) {
                if (!probed) {
                    reason = probe();
                    probed = true;
                }
            }
        }
        return reason;
    }

    private static String probe() {
        if (Emulator.requested()) {
            String why = Emulator.load();
            if (why != null) {
                return "emulated CUDA asked for (ncj.cuda=emulated) but " + why;
            }
        }
        int[] v = new int[1];
        try {
            int r = cuInit(0);
            if (r != 0) {
                return "cuInit failed: " + jcuda.driver.CUresult.stringFor(r) + " (no usable NVIDIA driver or device)";
            }
            int[] count = new int[1];
            r = cuDeviceGetCount(count);
            if (r != 0 || count[0] == 0) {
                return "no CUDA device";
            }
            Cuda.check(cuDriverGetVersion(v), "cuDriverGetVersion");
        } catch (LinkageError e) {
            String full = String.valueOf(e.getMessage());
            String msg = full.lines().findFirst().orElse("");
            String cuda = full.lines().filter(l -> l.contains("libcuda.so")).findFirst().orElse(null);
            if (cuda != null) {
                return "no libcuda.so.1 (NVIDIA driver not installed): "
                        + cuda.substring(cuda.indexOf("libcuda.so")).trim();
            }
            return "JCuda native library failed to load: " + e.getClass().getSimpleName() + ": " + msg;
        } catch (RuntimeException e) {
            return e.getMessage();
        }
        for (String family : PtxEntry.FAMILIES) {
            String ptx = Ptx.text(family);
            if (ptx == null) {
                return "this build has no PTX for the CUDA kernels (" + PtxEntry.resource(family) + " missing)";
            }
            int need = Ptx.requiredDriver(Ptx.isaVersion(ptx));
            if (v[0] < need) {
                int[] isa = Ptx.isaVersion(ptx);
                return "CUDA driver too old: it supports CUDA " + Ptx.cudaVersion(v[0]) + " but the kernels' PTX ISA "
                        + isa[0] + "." + isa[1] + " needs CUDA " + Ptx.cudaVersion(need)
                        + (isa[0] >= 9 ? " (driver R580 or newer)" : "");
            }
        }
        return null;
    }
}
