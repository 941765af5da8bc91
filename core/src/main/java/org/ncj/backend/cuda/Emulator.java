package org.ncj.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The emulated CUDA driver of {@code native-tests/emudriver/} (a {@code libcuda.so.1} that runs
 * {@code cuda/*.cu} on the host, checking memory and stream ordering), selected with
 * {@code -Dncj.cuda=emulated} or {@code NCJ_CUDA=emulated}. It is loaded with
 * {@link System#load} before the first JCuda call, so JCuda's native library, which links
 * {@code libcuda.so.1} by soname, binds to it. It never shadows a real driver: where an NVIDIA
 * driver is installed the backend is unavailable instead.
 *
 * <p>Properties (environment variables in brackets): {@code ncj.cuda.emulator}
 * ({@code NCJ_CUDA_EMULATOR}) the library or its folder, default
 * {@code native-tests/build/emudriver} under the working directory or its parent;
 * {@code ncj.cuda.emu.schedule} ({@code NCJ_CUDA_EMU_SCHEDULE}) {@code eager}, {@code lazy} or
 * {@code early}; {@code ncj.cuda.emu.memory} ({@code NCJ_CUDA_EMU_MEMORY}) device bytes;
 * {@code ncj.cuda.emu.sms} ({@code NCJ_CUDA_EMU_SMS}) multiprocessors.
 */
final class Emulator {
    static final String PROPERTY = "ncj.cuda";
    static final String ENV = "NCJ_CUDA";
    static final String PATH_PROPERTY = "ncj.cuda.emulator";
    static final String LIBRARY = "libcuda.so.1";

    private static boolean tried;
    private static String failure;
    private static Path folder;
    private static MethodHandle lastError;
    private static MethodHandle schedule;

    private Emulator() {
    }

    /** Whether the emulated driver was asked for. */
    static boolean requested() {
        return "emulated".equalsIgnoreCase(setting(PROPERTY, ENV));
    }

    /** Whether the emulated driver is loaded (and therefore what JCuda calls). */
    static synchronized boolean active() {
        return tried && failure == null;
    }

    private static String setting(String property, String env) {
        String v = System.getProperty(property);
        return v != null && !v.isBlank() ? v.trim() : System.getenv(env);
    }

    /** Loads the emulator once; null when loaded, else one line why not. */
    static synchronized String load() {
        if (!tried) {
            failure = doLoad();
            tried = true;
        }
        return failure;
    }

    private static String doLoad() {
        for (String dev : new String[] {"/dev/nvidiactl", "/proc/driver/nvidia/version"}) {
            if (Files.exists(Path.of(dev))) {
                return "an NVIDIA driver is installed (" + dev + "): the emulator never shadows a GPU; unset ncj.cuda";
            }
        }
        try {
            SymbolLookup.libraryLookup(LIBRARY, Arena.global());
            return "a real " + LIBRARY + " is on the dynamic loader's path: the emulator never shadows it; unset ncj.cuda";
        } catch (IllegalArgumentException expected) {
            // no real driver: go on
        }
        Path lib = find();
        if (lib == null) {
            return "no emulator library: build it with native-tests/emudriver/build.sh, or set -D" + PATH_PROPERTY
                    + "=<folder of " + LIBRARY + ">";
        }
        try {
            System.load(lib.toString());
            SymbolLookup l = SymbolLookup.libraryLookup(lib, Arena.global());
            Linker linker = Linker.nativeLinker();
            MethodHandle configure = linker.downcallHandle(l.findOrThrow("ncemu_configure"),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
            lastError = linker.downcallHandle(l.findOrThrow("ncemu_last_error"), FunctionDescriptor.of(ADDRESS));
            schedule = linker.downcallHandle(l.findOrThrow("ncemu_schedule"), FunctionDescriptor.of(ADDRESS));
            String sched = setting("ncj.cuda.emu.schedule", "NCJ_CUDA_EMU_SCHEDULE");
            long memory = parse(setting("ncj.cuda.emu.memory", "NCJ_CUDA_EMU_MEMORY"), "ncj.cuda.emu.memory");
            long sms = parse(setting("ncj.cuda.emu.sms", "NCJ_CUDA_EMU_SMS"), "ncj.cuda.emu.sms");
            try (Arena a = Arena.ofConfined()) {
                int r = (int) configure.invokeExact(a.allocateFrom(sched == null ? "" : sched), memory, (int) sms);
                if (r != 0) {
                    return "unknown emulator schedule '" + sched + "' (eager, lazy or early)";
                }
            }
            folder = lib.getParent();
            return null;
        } catch (UnsatisfiedLinkError | IllegalArgumentException e) {
            return "emulator library " + lib + " failed to load: " + e.getMessage();
        } catch (Throwable t) {
            return "emulator library " + lib + " failed to configure: " + t;
        }
    }

    private static long parse(String v, String what) {
        if (v == null || v.isBlank()) {
            return 0;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " must be a whole number, got '" + v + "'");
        }
    }

    private static Path find() {
        String p = setting(PATH_PROPERTY, "NCJ_CUDA_EMULATOR");
        Path[] candidates = p != null
                ? new Path[] {Path.of(p), Path.of(p).resolve(LIBRARY)}
                : new Path[] {Path.of("native-tests/build/emudriver", LIBRARY), Path.of("../native-tests/build/emudriver", LIBRARY)};
        for (Path c : candidates) {
            if (Files.isRegularFile(c)) {
                return c.toAbsolutePath().normalize();
            }
        }
        return null;
    }

    /** The folder holding the emulated libraries (cuSOLVER beside the driver), or null. */
    static synchronized Path folder() {
        return active() ? folder : null;
    }

    /** The emulator's message for the last failure (then cleared), or "" when none or not active. */
    static synchronized String lastError() {
        if (!active()) {
            return "";
        }
        try {
            MemorySegment s = (MemorySegment) lastError.invokeExact();
            return s.reinterpret(1 << 16).getString(0);
        } catch (Throwable t) {
            return "";
        }
    }

    /** The schedule the emulator runs ({@code eager}, {@code lazy}, {@code early}), or null when not active. */
    static synchronized String schedule() {
        if (!active()) {
            return null;
        }
        try {
            MemorySegment s = (MemorySegment) schedule.invokeExact();
            return s.reinterpret(64).getString(0);
        } catch (Throwable t) {
            return "?";
        }
    }
}
