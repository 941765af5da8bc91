package org.ncj.backend.tuning;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;

import org.ncj.DType;
import org.ncj.backend.Backend;
import org.ncj.pairwise.PairKernel;

/**
 * The tile tuning table of the backends: written by {@code ./ncj tune} ({@link #tune}, {@link #write}),
 * read by each backend's {@link Backend#pairwiseTile} ({@link #tunedTile}).
 *
 * <p>The table is a tab-separated file, one row per (device, shape bound): {@code device} (the
 * backend's {@link Backend#tuningKey()}), the largest {@code K} and {@code D} the row applies to,
 * and the {@code tile} that ran fastest. It is read from the system property {@value #PROPERTY},
 * else {@code $XDG_CONFIG_HOME/ncj/tuning.tsv} or {@code ~/.config/ncj/tuning.tsv}. What a
 * device's candidate tiles are, what its tile means and what it uses where no row applies is the
 * backend's business ({@link Backend#tileCandidates}, {@link Backend#effectiveTile},
 * {@link Backend#DEFAULT_TILE}); this class only stores, looks up and times.
 */
public final class Tuning {
    /** System property naming the tuning table. */
    public static final String PROPERTY = "ncj.tuning";

    private Tuning() {
    }

    /**
     * One row of the table.
     *
     * @param seconds mean time of the chosen tile's runs
     * @param ci95    half-width of the 95% confidence interval of that mean (the noise), NaN if unknown
     */
    public record Entry(String device, int maxK, int maxD, int tile, double seconds, double ci95) {
        public Entry(String device, int maxK, int maxD, int tile, double seconds) {
            this(device, maxK, maxD, tile, seconds, Double.NaN);
        }
    }

    /** Mean and 95% confidence half-width of repeated timings. */
    public record Timing(double mean, double ci95) {
        /** Student-t 0.975 quantiles for 1..30 degrees of freedom (beyond: the normal 1.96). */
        private static final double[] T975 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201,
                2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
                2.052, 2.048, 2.045, 2.042};

        public static Timing of(double[] seconds) {
            int n = seconds.length;
            double mean = 0;
            for (double t : seconds) {
                mean += t / n;
            }
            if (n < 2) {
                return new Timing(mean, Double.POSITIVE_INFINITY);
            }
            double ss = 0;
            for (double t : seconds) {
                ss += (t - mean) * (t - mean);
            }
            double t = n - 1 <= T975.length ? T975[n - 2] : 1.96;
            return new Timing(mean, t * Math.sqrt(ss / (n - 1) / n));
        }

        double low() {
            return mean - ci95;
        }

        double high() {
            return mean + ci95;
        }
    }

    /**
     * The tile to record: the default unless another is faster beyond the noise, that is unless
     * the upper end of its 95% interval lies below the lower end of the default's; among those,
     * the one with the smallest mean.
     */
    public static int choose(java.util.Map<Integer, Timing> timings, int defaultTile) {
        Timing def = timings.get(defaultTile);
        int best = defaultTile;
        double bestMean = def == null ? Double.POSITIVE_INFINITY : def.mean();
        for (var e : timings.entrySet()) {
            Timing t = e.getValue();
            boolean beyondNoise = def == null || t.high() < def.low();
            if (e.getKey() != defaultTile && beyondNoise && t.mean() < bestMean) {
                best = e.getKey();
                bestMean = t.mean();
            }
        }
        return best;
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

    /**
     * The tile of the smallest row of {@code deviceKey} covering (k, d), or empty without a table,
     * a row of that device or one covering the shape.
     */
    public static OptionalInt tunedTile(String deviceKey, int k, int d) {
        Path table = tablePath();
        if (!Files.isRegularFile(table)) {
            return OptionalInt.empty();
        }
        Entry best = null;
        for (Entry e : read(table)) {
            if (e.device().equals(deviceKey) && e.maxK() >= k && e.maxD() >= d
                    && (best == null || (long) e.maxK() * e.maxD() < (long) best.maxK() * best.maxD())) {
                best = e;
            }
        }
        return best == null ? OptionalInt.empty() : OptionalInt.of(best.tile());
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
                            f.length > 4 ? Double.parseDouble(f[4]) : Double.NaN, f.length > 5 ? Double.parseDouble(f[5]) : Double.NaN));
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException(table + ": line " + (i + 1) + " is not 'device<TAB>maxK<TAB>maxD<TAB>tile[<TAB>seconds[<TAB>ci95]]': " + line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /**
     * Times {@link Backend#pairwiseStats} (dist kernel, {@link DType#FLOAT32}: the precision whose
     * tiles the table records) at each (k, d) for every tile of the backend's
     * {@link Backend#tileCandidates} that fits K (and the backend's default tile, the reference),
     * {@code reps} runs each after a warm-up run, and records per shape the tile {@link #choose}
     * picks: the default unless another is faster beyond the noise of the runs. The rows carry the
     * backend's {@link Backend#tuningKey()}.
     */
    public static List<Entry> tune(Backend backend, int[][] shapes, int reps, java.util.function.Consumer<String> log) {
        String key = backend.tuningKey();
        int defaultTile = backend.effectiveTile(Backend.DEFAULT_TILE, DType.FLOAT32);
        List<Entry> out = new ArrayList<>();
        java.util.Random r = new java.util.Random(1);
        for (int[] s : shapes) {
            int k = s[0];
            int d = s[1];
            double[] p = new double[k * d];
            for (int i = 0; i < p.length; i++) {
                p[i] = r.nextGaussian();
            }
            java.util.Map<Integer, Timing> timings = new java.util.TreeMap<>();
            for (int tile : backend.tileCandidates(DType.FLOAT32)) {
                if (tile > k && tile != defaultTile) {
                    continue;
                }
                backend.pairwiseStats(p, k, d, new PairKernel.Dist(), tile, DType.FLOAT32); // warm-up (JIT, modules)
                double[] t = new double[reps];
                for (int rep = 0; rep < reps; rep++) {
                    long t0 = System.nanoTime();
                    backend.pairwiseStats(p, k, d, new PairKernel.Dist(), tile, DType.FLOAT32);
                    t[rep] = (System.nanoTime() - t0) / 1e9;
                }
                Timing tm = Timing.of(t);
                timings.put(tile, tm);
                log.accept(String.format(Locale.ROOT, "K=%d D=%d tile=%d: %.5f s ± %.5f (95%% interval of %d runs)", k, d, tile,
                        tm.mean(), tm.ci95(), reps));
            }
            int tile = choose(timings, defaultTile);
            Timing tm = timings.get(tile);
            out.add(new Entry(key, k, d, tile, tm.mean(), tm.ci95()));
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
        StringBuilder sb = new StringBuilder("# ncj tile tuning (./ncj tune); read by org.ncj.backend.tuning.Tuning\n")
                .append("# seconds: mean of the tile's runs; ci95: half-width of its 95% confidence interval (the noise)\n")
                .append("device\tmaxK\tmaxD\ttile\tseconds\tci95\n");
        for (Entry e : keep) {
            sb.append(e.device()).append('\t').append(e.maxK()).append('\t').append(e.maxD()).append('\t').append(e.tile())
                    .append('\t').append(String.format(Locale.ROOT, "%.6f\t%.6f", e.seconds(), e.ci95())).append('\n');
        }
        if (table.getParent() != null) {
            Files.createDirectories(table.getParent());
        }
        Path tmp = table.resolveSibling(table.getFileName() + ".tmp");
        Files.writeString(tmp, sb);
        Files.move(tmp, table, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
