package org.ncj.backend;

import java.util.Locale;
import java.util.logging.Logger;

import org.ncj.DType;
import org.ncj.pairwise.PairKernel;
import org.ncj.pairwise.PairStats;

/**
 * Where the arithmetic runs. One interface, two implementations: {@code cpu} (pure Java, all
 * cores, the reference) and {@code cuda} (hand-written kernels, see {@code cuda/}).
 *
 * <p>Accumulation work comes as stateful operations ({@link ClassSums}, {@link CentredStats},
 * {@link Decisions}) whose running totals live where the backend computes (device memory for
 * CUDA), so a stream of batches never copies totals back until asked. They are
 * {@link AutoCloseable} with one owner: the accumulator that created them.
 *
 * <p>Backends assume validated input (labels in range, finite values, matching shapes); the
 * accumulators validate before they call, so that a rejected batch changes nothing.
 */
public interface Backend extends AutoCloseable {

    /** System property that overrides {@link #auto()}: {@code auto}, {@code cpu} or {@code cuda}. */
    String PROPERTY = "ncj.backend";
    /** Environment variable that overrides {@link #auto()} when the property is unset. */
    String ENV = "NCJ_BACKEND";

    /** {@code "cpu"} or {@code "cuda"}. */
    String name();

    /**
     * A line describing the hardware (CPU cores, or GPU name and compute capability); the
     * implementations' {@code toString()} returns it too.
     */
    String description();

    /** Class sums and counts, scatter-added batch by batch. */
    ClassSums classSums(int k, int d, DType dtype);

    /**
     * Statistics of rows centred on their class means: the within-class scatter
     * {@code Σ_i (x_i − μ_{y_i})(x_i − μ_{y_i})ᵀ} (D×D) and/or the per-class sums
     * {@code Σ_{y_i = c} ‖x_i − μ_c‖²}.
     *
     * @param means row-major K×D class means (rows of absent classes are ignored)
     */
    CentredStats centredStats(double[] means, int k, int d, DType dtype, boolean scatter, boolean varNorms);

    /**
     * Nearest-class-centre and linear-classifier decisions for labelled rows.
     *
     * @param means      row-major K×D training class means
     * @param weights    row-major K×D classifier weights
     * @param bias       K biases, or null
     * @param candidates classes the decisions choose among (classes with a mean), ascending
     */
    Decisions decisions(double[] means, double[] weights, double[] bias, int[] candidates, int k, int d, DType dtype);

    /** The tile a backend walks pairs with where nothing is tuned (the Python package's examples use 64). */
    int DEFAULT_TILE = 64;

    /**
     * The tile this backend walks the pairs of K points in D dimensions with at {@code dtype}
     * (FAISS's {@code chooseTileSize}, one per backend): the tuned tile of this device and shape
     * ({@link org.ncj.backend.tuning.Tuning}, {@code ./ncj tune}) where the backend's tile is
     * tunable, else {@link #DEFAULT_TILE}, always as {@link #effectiveTile} makes it. The pairwise
     * methods without a tile argument use it.
     */
    int pairwiseTile(int k, int d, DType dtype);

    /**
     * What a tile asked for becomes on this backend at {@code dtype}: the CPU walks exactly
     * that tile; CUDA {@link DType#FLOAT32} the nearest of its GEMM kernels' tiles (64 or 128);
     * CUDA {@link DType#FLOAT64} its fixed tile 64 whatever is asked.
     *
     * @throws IllegalArgumentException when {@code requested < 1}
     */
    int effectiveTile(int requested, DType dtype);

    /**
     * The distinct tiles worth timing at {@code dtype}, ascending, for the tuner; one element
     * where the tile is fixed.
     */
    int[] tileCandidates(DType dtype);

    /**
     * The key of this device's rows in the tuning table: the backend's name and its hardware,
     * without versions (e.g. {@code "cpu: <CPU model>, 16 cores"},
     * {@code "cuda: NVIDIA H200, compute capability 9.0"}).
     */
    String tuningKey();

    /**
     * Count, mean and variance of {@code kernel} over all pairs i &lt; j of the rows of
     * {@code points} (K×D, row-major), walking tiles of the upper triangle without materialising
     * the K×K grid, at the tile this backend plans ({@link #pairwiseTile}).
     *
     * <p>{@code dtype} means the same on every backend: a floor, the least precise arithmetic
     * the caller accepts for the distances and dot products (kernel values and statistics are
     * float64 everywhere). Pass the dtype the points were accumulated in ({@code Means.dtype()}).
     * Each backend states what it computes for each precision: the CPU backend computes this
     * method and {@link #pairwiseGrid} in float64 whatever the floor, and the fused
     * {@link #pairwiseStats(double[], int, int, PairKernel[], PairKernel[], double, DType)} in float32
     * GEMM tiles for {@link DType#FLOAT32} where a native BLAS is installed; the CUDA backend runs
     * {@link DType#FLOAT32} as float32 GEMM tiles and {@link DType#FLOAT64} in float64 everywhere.
     */
    default PairStats pairwiseStats(double[] points, int k, int d, PairKernel kernel, DType dtype) {
        return pairwiseStats(points, k, d, kernel, pairwiseTile(k, d, dtype), dtype);
    }

    /**
     * {@link #pairwiseStats(double[], int, int, PairKernel, DType)} with the tile forced to
     * {@code tileOverride} (as {@link #effectiveTile} makes it): for the tuner, benchmarks and tests
     * that walk a given tile; the measures leave the tile to the backend.
     */
    PairStats pairwiseStats(double[] points, int k, int d, PairKernel kernel, int tileOverride, DType dtype);

    /** {@link #pairwiseStats(double[], int, int, PairKernel, int, DType)} in float64. */
    default PairStats pairwiseStats(double[] points, int k, int d, PairKernel kernel, int tileOverride) {
        return pairwiseStats(points, k, d, kernel, tileOverride, DType.FLOAT64);
    }

    /**
     * Statistics of several kernels over all pairs i &lt; j from one walk over the pairs: the
     * kernels in {@code onRows} see the rows of {@code points} as given, those in
     * {@code onNormalized} the rows {@code p_i / (‖p_i‖ + eps)} (the normalised means of Liu et
     * al. 2023). Returns the statistics of {@code onRows}, then of {@code onNormalized}, in order.
     * The tile is the backend's ({@link #pairwiseTile}); {@code dtype} is the floor of
     * {@link #pairwiseStats(double[], int, int, PairKernel, DType)}.
     */
    default PairStats[] pairwiseStats(double[] points, int k, int d, PairKernel[] onRows, PairKernel[] onNormalized,
                                      double eps, DType dtype) {
        return pairwiseStats(points, k, d, onRows, onNormalized, eps, pairwiseTile(k, d, dtype), dtype);
    }

    /**
     * {@link #pairwiseStats(double[], int, int, PairKernel[], PairKernel[], double, DType)} with the
     * tile forced to {@code tileOverride} (as {@link #effectiveTile} makes it). A backend may share
     * one product per tile between the kernels (the CPU backend does); this default runs
     * {@link #pairwiseStats(double[], int, int, PairKernel, int, DType)} once per kernel.
     */
    default PairStats[] pairwiseStats(double[] points, int k, int d, PairKernel[] onRows, PairKernel[] onNormalized,
                                      double eps, int tileOverride, DType dtype) {
        PairStats[] out = new PairStats[onRows.length + onNormalized.length];
        for (int q = 0; q < onRows.length; q++) {
            out[q] = pairwiseStats(points, k, d, onRows[q], tileOverride, dtype);
        }
        if (onNormalized.length > 0) {
            double[] pn = new double[points.length];
            for (int i = 0; i < k; i++) {
                double s = 0;
                for (int c = 0; c < d; c++) {
                    s += points[i * d + c] * points[i * d + c];
                }
                double n = Math.sqrt(s) + eps;
                for (int c = 0; c < d; c++) {
                    pn[i * d + c] = points[i * d + c] / n;
                }
            }
            for (int q = 0; q < onNormalized.length; q++) {
                out[onRows.length + q] = pairwiseStats(pn, k, d, onNormalized[q], tileOverride, dtype);
            }
        }
        return out;
    }

    /**
     * The full K×K grid of {@code kernel} values (row-major; the diagonal is NaN, since
     * self-interactions are excluded), at the backend's tile. Memory grows as K²: use
     * {@link #pairwiseStats} for statistics. {@code dtype} is a floor, as in
     * {@link #pairwiseStats(double[], int, int, PairKernel, DType)}.
     */
    default double[] pairwiseGrid(double[] points, int k, int d, PairKernel kernel, DType dtype) {
        return pairwiseGrid(points, k, d, kernel, pairwiseTile(k, d, dtype), dtype);
    }

    /** {@link #pairwiseGrid(double[], int, int, PairKernel, DType)} with the tile forced to {@code tileOverride}. */
    double[] pairwiseGrid(double[] points, int k, int d, PairKernel kernel, int tileOverride, DType dtype);

    /** {@link #pairwiseGrid(double[], int, int, PairKernel, int, DType)} in float64. */
    default double[] pairwiseGrid(double[] points, int k, int d, PairKernel kernel, int tileOverride) {
        return pairwiseGrid(points, k, d, kernel, tileOverride, DType.FLOAT64);
    }

    /** Eigen-decomposition of a symmetric n×n matrix (row-major, only its upper triangle is read). */
    SymmetricEigen eigh(double[] a, int n);

    /** {@code AᵀA} (d×d, row-major) of a row-major k×d A, in float64 (e.g. Σ_B = M̃ᵀM̃/K). */
    double[] gram(double[] a, int k, int d);

    /** {@code ABᵀ} (m×n, row-major) of row-major A (m×d) and B (n×d), in float64. */
    double[] multiplyTransposed(double[] a, int m, double[] b, int n, int d);

    /** Releases whatever the backend holds (device contexts' modules, thread pools). */
    @Override
    void close();

    /** The pure-Java backend, using all available cores. */
    static Backend cpu() {
        return new org.ncj.backend.cpu.CpuBackend();
    }

    /**
     * The pure-Java backend in deterministic mode: bit-identical results across runs and thread
     * counts (fixed reduction order; no native, multi-threaded BLAS). The default {@link #cpu()}
     * uses a native BLAS where installed, whose threading may change the last bits.
     */
    static Backend cpuDeterministic() {
        return new org.ncj.backend.cpu.CpuBackend(true);
    }

    /**
     * The CUDA backend on device 0.
     *
     * @throws BackendUnavailableException with the reason when no driver, device or backend is present
     */
    static Backend cuda() {
        return BackendLoader.cuda();
    }

    /**
     * The backend named by the system property {@value #PROPERTY} or the environment variable
     * {@value #ENV} ({@code auto}, {@code cpu}, {@code cuda}); by default CUDA when a driver and a
     * device are present, else the CPU. Never prints a stack trace for a missing GPU.
     */
    static Backend auto() {
        String choice = System.getProperty(PROPERTY);
        if (choice == null || choice.isBlank()) {
            choice = System.getenv(ENV);
        }
        return byName(choice == null || choice.isBlank() ? "auto" : choice);
    }

    /** {@code "auto"}, {@code "cpu"} or {@code "cuda"}. */
    static Backend byName(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "cpu" -> cpu();
            case "cuda", "gpu" -> cuda();
            case "auto" -> {
                String why = BackendLoader.cudaUnavailableReason();
                if (why == null) {
                    yield cuda();
                }
                Logger.getLogger(Backend.class.getName()).fine(() -> "CUDA backend not used: " + why);
                yield cpu();
            }
            default -> throw new IllegalArgumentException("unknown backend '" + name + "': use auto, cpu or cuda");
        };
    }
}
