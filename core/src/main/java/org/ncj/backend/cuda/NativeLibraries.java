package org.ncj.backend.cuda;

import java.io.File;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds CUDA math libraries (cuSOLVER, cuBLAS) for binding with {@code java.lang.foreign}.
 * Searched in order: the system property {@code ncj.cuda.libpath} (a path list),
 * {@code CUDA_HOME}/{@code CUDA_PATH} {@code lib64}, {@code /usr/local/cuda*}{@code /lib64}, the
 * entries of {@code LD_LIBRARY_PATH}, and PyTorch's wheels ({@code site-packages/nvidia/cu13/lib},
 * {@code nvidia/cusolver/lib}, {@code nvidia/cublas/lib}) under common Python prefixes; last, the
 * dynamic loader's own search by soname.
 */
final class NativeLibraries {
    /** Property naming extra library folders. */
    static final String LIBPATH = "ncj.cuda.libpath";

    private NativeLibraries() {
    }

    /** Folders searched, in order, that exist. */
    static List<Path> searchPath() {
        Path emulated = Emulator.folder();
        if (emulated != null) {
            return List.of(emulated); // the emulated driver takes the emulated libraries only
        }
        Set<Path> dirs = new LinkedHashSet<>();
        String prop = System.getProperty(LIBPATH);
        if (prop != null) {
            for (String s : prop.split(File.pathSeparator)) {
                if (!s.isBlank()) {
                    dirs.add(Path.of(s.trim()));
                }
            }
        }
        for (String env : new String[] {"CUDA_HOME", "CUDA_PATH"}) {
            String h = System.getenv(env);
            if (h != null && !h.isBlank()) {
                dirs.add(Path.of(h, "lib64"));
                dirs.add(Path.of(h, "lib"));
            }
        }
        for (Path p : glob(Path.of("/usr/local"), "cuda*")) {
            dirs.add(p.resolve("lib64"));
            dirs.add(p.resolve("targets/x86_64-linux/lib"));
        }
        String ld = System.getenv("LD_LIBRARY_PATH");
        if (ld != null) {
            for (String s : ld.split(":")) {
                if (!s.isBlank()) {
                    dirs.add(Path.of(s));
                }
            }
        }
        List<Path> prefixes = new ArrayList<>();
        for (String env : new String[] {"VIRTUAL_ENV", "CONDA_PREFIX"}) {
            String v = System.getenv(env);
            if (v != null && !v.isBlank()) {
                prefixes.add(Path.of(v));
            }
        }
        prefixes.add(Path.of("/opt/torch/.venv"));
        prefixes.add(Path.of("/opt/conda"));
        prefixes.add(Path.of("/usr/local"));
        prefixes.add(Path.of("/usr"));
        prefixes.add(Path.of(System.getProperty("user.home", "/root"), ".local"));
        for (Path prefix : prefixes) {
            for (String lib : new String[] {"lib", "lib64"}) {
                for (Path py : glob(prefix.resolve(lib), "python3*")) {
                    for (String pk : new String[] {"site-packages", "dist-packages"}) {
                        Path nv = py.resolve(pk).resolve("nvidia");
                        dirs.add(nv.resolve("cu13/lib"));
                        dirs.add(nv.resolve("cusolver/lib"));
                        dirs.add(nv.resolve("cublas/lib"));
                        dirs.add(nv.resolve("cusparse/lib"));
                        dirs.add(nv.resolve("nvjitlink/lib"));
                    }
                }
            }
        }
        List<Path> out = new ArrayList<>();
        for (Path p : dirs) {
            if (Files.isDirectory(p)) {
                out.add(p);
            }
        }
        return out;
    }

    private static List<Path> glob(Path dir, String pattern) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, pattern)) {
            for (Path p : ds) {
                out.add(p);
            }
        } catch (IOException | SecurityException e) {
            // unreadable folder: skip
        }
        out.sort(null);
        return out;
    }

    /** The first existing file among {@code sonames} in the search path, or null. */
    static Path find(String... sonames) {
        for (Path dir : searchPath()) {
            for (String s : sonames) {
                Path f = dir.resolve(s);
                if (Files.exists(f)) {
                    return f;
                }
            }
        }
        return null;
    }

    /**
     * Loads the first of {@code sonames} found (after its folder's {@code preload} libraries, so
     * that dependencies resolve without RPATH), else asks the loader by soname. Throws
     * {@link IllegalArgumentException} with the folders searched when none loads.
     */
    static SymbolLookup load(Arena arena, String[] preload, String... sonames) {
        Path f = find(sonames);
        if (f != null) {
            for (String dep : preload) {
                Path p = f.resolveSibling(dep);
                if (Files.exists(p)) {
                    try {
                        SymbolLookup.libraryLookup(p, arena);
                    } catch (IllegalArgumentException e) {
                        // a missing dependency shows up below when the library itself fails
                    }
                }
            }
            return SymbolLookup.libraryLookup(f, arena);
        }
        for (String s : Emulator.active() ? new String[0] : sonames) {
            try {
                return SymbolLookup.libraryLookup(s, arena);
            } catch (IllegalArgumentException e) {
                // next
            }
        }
        throw new IllegalArgumentException(String.join(" or ", sonames) + " not found in " + searchPath()
                + " nor by the dynamic loader (set -D" + LIBPATH + "=<folder>)");
    }
}
