package org.ncj.measure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.ncj.DType;
import org.ncj.backend.Backend;
import org.ncj.kernels.PairKernel;

/**
 * Tile sizes of the pairwise measures, tuned per device by {@code ./ncj tune} and read back here.
 *
 * <p>The table is a tab-separated file, one row per (device, shape bound): {@code device}, the
 * largest {@code K} and {@code D} the row applies to, and the {@code tile} that ran fastest.
 * It is read from the system property {@value #PROPERTY}, else
 * {@code $XDG_CONFIG_HOME/ncj/tuning.tsv} or {@code ~/.config/ncj/tuning.tsv}. Without a table,
 * or for a device or shape it does not cover, the tile is {@link Measures#DEFAULT_TILE}.
 */
public final class Tuning {
    /** System property naming the tuning table. */
    public static final String PROPERTY = "ncj.tuning";
    /** Tile sizes the tuner tries on the CPU. */
    public static final int[] CANDIDATES = {16, 32, 64, 128, 256, 512};
    /** Tile sizes the tuner tries on CUDA: the float32 GEMM kernels' tiles. */
    public static final int[] CUDA_CANDIDATES = {64, 128};

    private Tuning() {
    }

    /** One row of the table. */
    public record Entry(String device, int maxK, int maxD, int tile, double seconds) {
    }

    /** The table's location (which may not exist). */
    public static Path tablePath() {
        String p = System.getProperty(PROPERTY);
        if (p != null && !p.isBlank()) {
            return Path.of(p);
        }
        String xdg = System.getenv("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
        return base.resolve("ncj").resolve("tuning.tsv");
    }

    /** The device key rows are matched on: the backend's name and its hardware, without versions. */
    public static String deviceKey(Backend backend) {
        String desc = backend.description();
        String[] parts = desc.split(",");
        // "CPU, 2 cores, Java ..." -> "cpu: 2 cores"; "NVIDIA H200, compute capability 9.0, ..." -> two fields
        String hw = parts.length >= 2 ? parts[0].trim() + "," + parts[1] : desc;
        if (backend.name().equals("cpu")) {
            hw = cpuModel() + "," + parts[1];
        }
        return backend.name() + ": " + hw.trim();
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: the architecture will do
        }
        return System.getProperty("os.arch");
    }

    /** The tuned tile for {@code kernel}-style pairwise work at (k, d) on this backend, or the default. */
    public static int tileSize(Backend backend, int k, int d) {
        Path table = tablePath();
        if (!Files.isRegularFile(table)) {
            return Measures.DEFAULT_TILE;
        }
        String key = deviceKey(backend);
        Entry best = null;
        for (Entry e : read(table)) {
            if (e.device().equals(key) && e.maxK() >= k && e.maxD() >= d
                    && (best == null || (long) e.maxK() * e.maxD() < (long) best.maxK() * best.maxD())) {
                best = e;
            }
        }
        return best == null ? Measures.DEFAULT_TILE : best.tile();
    }

    /** Reads a table; malformed lines are an error naming the file and line. */
    public static List<Entry> read(Path table) {
        List<Entry> out = new ArrayList<>();
        try {
            List<String> lines = Files.readAllLines(table);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.isBlank() || line.startsWith("#") || line.startsWith("device\t")) {
                    continue;
                }
                String[] f = line.split("\t");
                try {
                    out.add(new Entry(f[0], Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]),
                            f.length > 4 ? Double.parseDouble(f[4]) : Double.NaN));
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException(table + ": line " + (i + 1) + " is not 'device<TAB>maxK<TAB>maxD<TAB>tile[<TAB>seconds]': " + line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The tiles {@link #tune} sweeps on a backend: {@link #CUDA_CANDIDATES} on CUDA, else {@link #CANDIDATES}. */
    public static int[] candidates(Backend backend) {
        return backend.name().equals("cuda") ? CUDA_CANDIDATES.clone() : CANDIDATES.clone();
    }

    /**
     * Times {@link Backend#pairwiseStats} (dist kernel, {@link DType#FLOAT32}: the precision whose
     * CUDA kernels the tile changes; the CPU computes in float64 whatever it is) at each (k, d) for
     * every tile of {@link #candidates} and returns the fastest per shape (best of {@code reps}
     * runs each).
     */
    public static List<Entry> tune(Backend backend, int[][] shapes, int reps, java.util.function.Consumer<String> log) {
        String key = deviceKey(backend);
        List<Entry> out = new ArrayList<>();
        java.util.Random r = new java.util.Random(1);
        for (int[] s : shapes) {
            int k = s[0];
            int d = s[1];
            double[] p = new double[k * d];
            for (int i = 0; i < p.length; i++) {
                p[i] = r.nextGaussian();
            }
            backend.pairwiseStats(p, k, d, new PairKernel.Dist(), Measures.DEFAULT_TILE, DType.FLOAT32); // warm-up (JIT, modules)
            int bestTile = Measures.DEFAULT_TILE;
            double bestT = Double.POSITIVE_INFINITY;
            for (int tile : candidates(backend)) {
                if (tile > k) {
                    continue;
                }
                double t = Double.POSITIVE_INFINITY;
                for (int rep = 0; rep < reps; rep++) {
                    long t0 = System.nanoTime();
                    backend.pairwiseStats(p, k, d, new PairKernel.Dist(), tile, DType.FLOAT32);
                    t = Math.min(t, (System.nanoTime() - t0) / 1e9);
                }
                log.accept(String.format(Locale.ROOT, "K=%d D=%d tile=%d: %.4f s", k, d, tile, t));
                if (t < bestT) {
                    bestT = t;
                    bestTile = tile;
                }
            }
            out.add(new Entry(key, k, d, bestTile, bestT));
        }
        return out;
    }

    /** Writes a table, replacing the rows of the devices in {@code entries} and keeping the others. */
    public static void write(Path table, List<Entry> entries) throws IOException {
        List<Entry> keep = new ArrayList<>();
        if (Files.isRegularFile(table)) {
            for (Entry e : read(table)) {
                if (entries.stream().noneMatch(n -> n.device().equals(e.device()))) {
                    keep.add(e);
                }
            }
        }
        keep.addAll(entries);
        StringBuilder sb = new StringBuilder("# ncj tile tuning (./ncj tune); read by org.ncj.measure.Tuning\n")
                .append("device\tmaxK\tmaxD\ttile\tseconds\n");
        for (Entry e : keep) {
            sb.append(e.device()).append('\t').append(e.maxK()).append('\t').append(e.maxD()).append('\t').append(e.tile())
                    .append('\t').append(String.format(Locale.ROOT, "%.6f", e.seconds())).append('\n');
        }
        if (table.getParent() != null) {
            Files.createDirectories(table.getParent());
        }
        Path tmp = table.resolveSibling(table.getFileName() + ".tmp");
        Files.writeString(tmp, sb);
        Files.move(tmp, table, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
