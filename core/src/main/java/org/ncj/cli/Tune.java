package org.ncj.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import org.ncj.backend.Backend;
import org.ncj.backend.tuning.Tuning;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ncj tune}: time the pairwise measures' tile sizes on this device and record the fastest. */
@Command(name = "tune", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Sweep the tile sizes of the pairwise measures (kernelStats, CDNV, cosines) on the present backend "
                + "for a set of (K, D): each tile runs --reps times after a warm-up, and a tile replaces the default "
                + "64 only when it is faster beyond the noise (its 95%% confidence interval of the mean time lies "
                + "below the default's). The choice per shape, its mean time and that interval's half-width go to "
                + "the tuning table, which the library reads to choose its default tile (MetricSet, and analyze "
                + "without --tile-size). Rows of other devices in the table are kept.",
                "The backend names its candidate tiles and its table key: on the CPU tiles 16..512; on CUDA the float32 "
                        + "GEMM kernels' tiles 64 and 128 (the float64 kernels tile by 64 whatever the table says)."})
public final class Tune implements Callable<Integer> {

    @Option(names = "--backend", defaultValue = "auto", description = "auto, cpu or cuda (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--shape", paramLabel = "KxD", split = ",",
            description = "Shapes to tune, e.g. 1024x64,4096x256 (default: 512x64, 2048x128, 4096x512).")
    List<String> shapes;

    @Option(names = "--reps", defaultValue = "5", paramLabel = "N",
            description = "Timed runs per tile, at least 2 (default: ${DEFAULT-VALUE}).")
    int reps;

    @Option(names = "--table", paramLabel = "FILE",
            description = {"Tuning table to update; default:", "${DEFAULT-VALUE}", "(-Dncj.tuning=FILE, else", "$XDG_CONFIG_HOME/ncj/tuning.tsv or",
                    "~/.config/ncj/tuning.tsv)."})
    Path table = Tuning.tablePath();

    @Override
    public Integer call() throws Exception {
        int[][] grid;
        if (shapes == null || shapes.isEmpty()) {
            grid = new int[][] {{512, 64}, {2048, 128}, {4096, 512}};
        } else {
            grid = new int[shapes.size()][];
            for (int i = 0; i < grid.length; i++) {
                String[] kd = shapes.get(i).toLowerCase(java.util.Locale.ROOT).split("x");
                try {
                    grid[i] = new int[] {Integer.parseInt(kd[0].trim()), Integer.parseInt(kd[1].trim())};
                } catch (RuntimeException e) {
                    throw new Main.UsageException("--shape " + shapes.get(i) + ": expected KxD, e.g. 4096x256");
                }
                if (grid[i][0] < 2 || grid[i][1] < 1) {
                    throw new Main.UsageException("--shape " + shapes.get(i) + ": need K >= 2 and D >= 1");
                }
            }
        }
        if (reps < 2) {
            throw new Main.UsageException("--reps must be >= 2 (the noise needs two runs)");
        }
        try (Backend b = Backend.byName(backend)) {
            System.out.println("tuning on " + b.tuningKey());
            List<Tuning.Entry> best = Tuning.tune(b, grid, reps, System.out::println);
            Tuning.write(table, best);
            for (Tuning.Entry e : best) {
                System.out.printf(java.util.Locale.ROOT, "K <= %d, D <= %d: tile %d (%.5f s ± %.5f)%n", e.maxK(), e.maxD(), e.tile(),
                        e.seconds(), e.ci95());
            }
            System.out.println("wrote " + table);
        }
        return 0;
    }
}
