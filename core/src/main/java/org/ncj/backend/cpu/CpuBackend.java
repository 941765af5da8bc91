package org.ncj.backend.cpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.IntStream;

import org.ncj.DType;
import org.ncj.backend.Backend;
import org.ncj.backend.CentredStats;
import org.ncj.backend.ClassSums;
import org.ncj.backend.Decisions;
import org.ncj.backend.SymmetricEigen;
import org.ncj.backend.tuning.Tuning;
import org.ncj.pairwise.PairKernel;
import org.ncj.pairwise.PairStats;

/**
 * Pure-Java backend: the fallback where no GPU is present and the reference every kernel is
 * tested against.
 *
 * <p>Tiles: a pairwise walk goes in exactly the tiles asked for ({@link #effectiveTile} is the
 * identity), planned from this device's rows of the tuning table
 * ({@link org.ncj.backend.tuning.Tuning}) or {@link Backend#DEFAULT_TILE}; the fused walk with a
 * native BLAS multiplies blocks of at least {@link CpuPairwise#FUSED_BLOCK} rows (one GEMM per
 * block). Precision: see {@link #pairwiseStats(double[], int, int, PairKernel, int, DType)}.
 *
 * <p>Work is split into fixed pieces (classes × column blocks, bands of the output, tile units)
 * whose boundaries do not depend on the number of threads, and pieces are combined in a fixed
 * order: results are bit-identical whatever the core count. Parallelism comes from the common
 * fork-join pool (all cores).
 */
public final class CpuBackend implements Backend {
    private final boolean deterministic;

    /** The fast CPU backend: native BLAS/LAPACK where installed (see {@link #CpuBackend(boolean)}). */
    public CpuBackend() {
        this(false);
    }

    /**
     * @param deterministic when true, results are bit-identical across runs and thread counts: the
     *                      pure-Java SYRK and LAPACK are used even where a native (multi-threaded,
     *                      thread-count-dependent) BLAS is installed. Slower for the covariance.
     */
    public CpuBackend(boolean deterministic) {
        this.deterministic = deterministic;
    }

    /** Whether this backend guarantees bit-identical results across runs and thread counts. */
    public boolean deterministic() {
        return deterministic;
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String description() {
        return "CPU, " + Runtime.getRuntime().availableProcessors() + " cores, Java " + Runtime.version() + ", SYRK: "
                + (deterministic ? "Java kernel (deterministic)" : CpuSyrk.implementation())
                + (Simd.ENABLED && SimdRows.eightFloatLanes() ? " (float32 D ≤ " + SimdSyrk.MAX_D + ": Vector API kernel)" : "")
                + ", LAPACK: " + (deterministic ? "Java" : CpuLinalg.lapackName());
    }

    /** The {@link #description()}, so that printing a backend says what it is. */
    @Override
    public String toString() {
        return description();
    }

    /** Tiles the tuner times on the CPU. */
    static final int[] TILE_CANDIDATES = {16, 32, 64, 128, 256, 512};

    /** The tuned tile of this CPU and shape, else {@link Backend#DEFAULT_TILE}; the same at either dtype. */
    @Override
    public int pairwiseTile(int k, int d, DType dtype) {
        return Tuning.tunedTile(tuningKey(), k, d).orElse(DEFAULT_TILE);
    }

    /** The tile asked for: the CPU walks any tile. */
    @Override
    public int effectiveTile(int requested, DType dtype) {
        if (requested < 1) {
            throw new IllegalArgumentException("tileSize must be >= 1, got " + requested);
        }
        return requested;
    }

    @Override
    public int[] tileCandidates(DType dtype) {
        return TILE_CANDIDATES.clone();
    }

    /** {@code "cpu: <model name from /proc/cpuinfo, else os.arch>, <n> cores"}. */
    @Override
    public String tuningKey() {
        return "cpu: " + CpuModel.NAME + ", " + Runtime.getRuntime().availableProcessors() + " cores";
    }

    /** The model name, read once: every pairwise plan asks for the tuning key. */
    private static final class CpuModel {
        static final String NAME = read();

        private static String read() {
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
    }

    @Override
    public ClassSums classSums(int k, int d, DType dtype) {
        return new CpuClassSums(k, d, dtype);
    }

    @Override
    public CentredStats centredStats(double[] means, int k, int d, DType dtype, boolean scatter, boolean varNorms) {
        return new CpuCentredStats(means, k, d, dtype, scatter, varNorms, !deterministic);
    }

    @Override
    public Decisions decisions(double[] means, double[] weights, double[] bias, int[] candidates, int k, int d, DType dtype) {
        return new CpuDecisions(means, weights, bias, candidates, k, d);
    }

    /**
     * Always float64 (BLAS {@code dgemm} tiles where a native BLAS is installed, else direct loops):
     * {@code dtype} is a floor (see {@link Backend}), which float64 meets at every dtype.
     */
    @Override
    public PairStats pairwiseStats(double[] points, int k, int d, PairKernel kernel, int tileSize, DType dtype) {
        return CpuPairwise.stats(points, k, d, kernel, effectiveTile(tileSize, dtype), !deterministic);
    }

    /**
     * One walk over the pairs for every kernel ({@link CpuPairwise#fused}): with a native BLAS one
     * GEMM per tile shared by the kernels, float32 for {@link DType#FLOAT32} (small distances
     * recomputed in float64); in deterministic mode the direct float64 loops per kernel.
     */
    @Override
    public PairStats[] pairwiseStats(double[] points, int k, int d, PairKernel[] onRows, PairKernel[] onNormalized,
                                     double eps, int tileSize, DType dtype) {
        return CpuPairwise.fused(points, k, d, onRows, onNormalized, eps, effectiveTile(tileSize, dtype), !deterministic,
                dtype == DType.FLOAT32);
    }

    /**
     * Always float64: {@code dtype} is a floor (see {@link Backend}), which float64 meets. The
     * grid is filled row by row in parallel: the tile is checked but does not change the walk.
     */
    @Override
    public double[] pairwiseGrid(double[] points, int k, int d, PairKernel kernel, int tileSize, DType dtype) {
        return CpuPairwise.grid(points, k, d, kernel, effectiveTile(tileSize, dtype));
    }

    @Override
    public SymmetricEigen eigh(double[] a, int n) {
        return CpuLinalg.eigh(a, n, !deterministic);
    }

    @Override
    public double[] gram(double[] a, int k, int d) {
        return CpuGram.gram(a, k, d, !deterministic);
    }

    @Override
    public double[] multiplyTransposed(double[] a, int m, double[] b, int n, int d) {
        return CpuGram.multiplyTransposed(a, m, b, n, d, !deterministic);
    }

    @Override
    public void close() {
        // Nothing is held: the common pool belongs to the JVM.
    }

    /** Runs {@code body(i)} for i in [0, tasks) on all cores. */
    static void parallelFor(int tasks, java.util.function.IntConsumer body) {
        if (tasks <= 1) {
            for (int i = 0; i < tasks; i++) {
                body.accept(i);
            }
            return;
        }
        IntStream.range(0, tasks).parallel().forEach(body);
    }
}
