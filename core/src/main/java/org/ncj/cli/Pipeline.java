package org.ncj.cli;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import org.ncj.DType;
import org.ncj.accumulate.Agreement;
import org.ncj.accumulate.ClassFilter;
import org.ncj.accumulate.ClassStatistics;
import org.ncj.accumulate.Classifier;
import org.ncj.accumulate.CovarAccumulator;
import org.ncj.accumulate.Covariance;
import org.ncj.accumulate.DecAccumulator;
import org.ncj.accumulate.GlobalMean;
import org.ncj.accumulate.MeanAccumulator;
import org.ncj.accumulate.Means;
import org.ncj.accumulate.VarNormAccumulator;
import org.ncj.accumulate.VarNorms;
import org.ncj.backend.Backend;
import org.ncj.io.BadInputException;
import org.ncj.io.Tensor2D;
import org.ncj.measure.MetricSet;

/**
 * The library pipeline over files (or in-memory arrays) streamed in batches: class means, then
 * Σ_W and variance norms about them, the classifier decisions on the evaluation set, the OOD mean,
 * and every measure those statistics allow ({@link MetricSet}). Bad data is reported as a
 * {@link BadInputException} naming the file.
 */
final class Pipeline {

    /** Embeddings with their labels (labels may be null for OOD data). */
    record Split(Tensor2D x, Tensor2D y) {
    }

    record Result(Map<String, Double> metrics, Means means, Covariance sw, VarNorms varNorms, Classifier classifier,
                  Agreement agreement, boolean agreementOnTrain, double[] oodMean, Map<String, Double> seconds) {
    }

    /** @param onePass means, Σ_W and variance norms from one pass ({@link ClassStatistics}) instead of two */
    record Settings(DType dtype, int batch, ClassFilter filter, MetricSet.Options options, boolean onePass) {
        Settings(DType dtype, int batch, ClassFilter filter, MetricSet.Options options) {
            this(dtype, batch, filter, options, false);
        }
    }

    private final Backend backend;
    private final Settings settings;
    private final Progress.Factory progress;
    private final Map<String, Double> seconds = new LinkedHashMap<>();

    Pipeline(Backend backend, Settings settings, Progress.Factory progress) {
        this.backend = backend;
        this.settings = settings;
        this.progress = progress;
    }

    interface Sink {
        void accept(float[] x, int[] y, long row0) throws IOException;
    }

    /**
     * Runs the pipeline.
     *
     * @param k          number of classes (labels must lie in [0, k))
     * @param test       evaluation set for NC4, or null to use the training set
     * @param classifier the last layer, or null (no NC3/NC4)
     * @param ood        out-of-distribution embeddings, or null (no NC5)
     */
    Result run(int k, Split train, Split test, Classifier classifier, Split ood) throws IOException {
        DType dtype = settings.dtype();
        int d = train.x().cols();
        Means means;
        Covariance sw;
        VarNorms vn;
        long t = System.nanoTime();
        if (settings.onePass()) {
            try (ClassStatistics st = new ClassStatistics(k, d, backend, dtype)) {
                stream("one pass", train, k, (x, y, r0) -> st.accumulate(x, y));
                try {
                    means = st.means(GlobalMean.UNWEIGHTED, settings.filter());
                } catch (IllegalStateException e) {
                    throw new BadInputException(train.y().name(), e.getMessage());
                }
                sw = st.covariance(means);
                vn = st.varNorms(means);
            }
            lap("one_pass", t);
        } else {
            try (MeanAccumulator acc = new MeanAccumulator(k, d, backend, dtype)) {
                stream("means", train, k, (x, y, r0) -> acc.accumulate(x, y));
                try {
                    means = acc.compute(GlobalMean.UNWEIGHTED, settings.filter());
                } catch (IllegalStateException e) {
                    throw new BadInputException(train.y().name(), e.getMessage());
                }
            }
            lap("means", t);
            t = System.nanoTime();
            try (CovarAccumulator cov = new CovarAccumulator(backend, means);
                 VarNormAccumulator var = new VarNormAccumulator(backend, means)) {
                Means m = means;
                stream("covariance", train, k, (x, y, r0) -> {
                    cov.accumulate(x, y, m);
                    var.accumulate(x, y, m);
                });
                sw = cov.compute();
                vn = var.compute();
            }
            lap("covariance", t);
        }
        Agreement agreement = null;
        if (classifier != null) {
            t = System.nanoTime();
            try (DecAccumulator dec = new DecAccumulator(backend, means, classifier)) {
                stream("decisions", test != null ? test : train, k, (x, y, r0) -> dec.accumulate(x, y));
                agreement = dec.compute();
            }
            lap("decisions", t);
        }
        double[] oodMean = null;
        if (ood != null) {
            t = System.nanoTime();
            int kOod = ood.y() == null ? 1 : Math.max(1, classesFromLabels(ood.y(), "ood", "number the OOD labels from 0"));
            try (MeanAccumulator acc = new MeanAccumulator(kOod, d, backend, dtype)) {
                stream("ood", ood, kOod, (x, y, r0) -> acc.accumulate(x, y));
                oodMean = acc.compute().globalMean();
            }
            lap("ood", t);
        }
        t = System.nanoTime();
        Map<String, Double> metrics;
        try {
            metrics = MetricSet.compute(backend, means, sw, vn, classifier, agreement, oodMean, settings.options());
        } catch (IllegalArgumentException e) {
            // Degenerate data (e.g. a zero-norm mean, K < 2): a problem of the inputs.
            throw new BadInputException(train.x().name(), e.getMessage());
        }
        lap("measures", t);
        return new Result(metrics, means, sw, vn, classifier, agreement, test == null, oodMean, seconds);
    }

    private void lap(String phase, long t0) {
        seconds.merge(phase, (System.nanoTime() - t0) / 1e9, Double::sum);
    }

    /** Classes inferred without --classes or --weights above which a sparse labelling is refused. */
    static final int SPARSE_K = 1024;

    /**
     * K = the largest label + 1 (scanning the file), checking that no label is negative and that
     * K is plausible: it must fit an int, and a label far above the number of rows (K > N and
     * K > {@value #SPARSE_K}, so most classes would be empty) is named with its row instead of
     * silently sizing K; {@code remedy} says what to do ({@code {K}} stands for that K).
     */
    int classesFromLabels(Tensor2D y, String what, String remedy) throws IOException {
        long t = System.nanoTime();
        int max = -1;
        long maxRow = -1;
        long n = y.rows();
        int b = Math.max(settings.batch(), 65536);
        int[] buf = new int[(int) Math.min(n, b)];
        try (Progress p = progress.start("scan " + what, n, "labels")) {
            for (long r0 = 0; r0 < n; r0 += b) {
                int m = (int) Math.min(b, n - r0);
                y.readInts(r0, r0 + m, buf, 0);
                for (int i = 0; i < m; i++) {
                    if (buf[i] < 0) {
                        throw new BadInputException(y.name(), "row " + (r0 + i) + ": label " + buf[i] + " is negative");
                    }
                    if (buf[i] > max) {
                        max = buf[i];
                        maxRow = r0 + i;
                    }
                }
                p.advance(m);
            }
        }
        lap("scan", t);
        if (max == Integer.MAX_VALUE) {
            throw new BadInputException(y.name(), "row " + maxRow + ": label " + max + " would make K = label + 1 = 2^31 "
                    + what + " classes, more than an int holds");
        }
        long k = max + 1L;
        if (k > SPARSE_K && k > n) {
            throw new BadInputException(y.name(), "row " + maxRow + ": label " + max + " would make K = " + k + " classes for "
                    + n + " rows, so most classes would be empty; " + remedy.replace("{K}", Long.toString(k)));
        }
        return (int) k;
    }

    /** Streams a split in batches, checking labels against [0, k) and naming the file on errors. */
    private void stream(String label, Split s, int k, Sink sink) throws IOException {
        Tensor2D x = s.x();
        Tensor2D y = s.y();
        long n = x.rows();
        int d = x.cols();
        int b = (int) Math.max(1, Math.min(settings.batch(), (Integer.MAX_VALUE - 8L) / Math.max(1, d)));
        float[] xb = new float[(int) Math.min(n, b) * d];
        int[] yb = y == null ? null : new int[(int) Math.min(n, b)];
        try (Progress p = progress.start(label, n, "samples")) {
            for (long r0 = 0; r0 < n; r0 += b) {
                int m = (int) Math.min(b, n - r0);
                float[] xa = m * d == xb.length ? xb : new float[m * d];
                x.readFloats(r0, r0 + m, xa, 0);
                int[] ya = null;
                if (y != null) {
                    ya = m == yb.length ? yb : new int[m];
                    y.readInts(r0, r0 + m, ya, 0);
                    for (int i = 0; i < m; i++) {
                        if (ya[i] < 0 || ya[i] >= k) {
                            throw new BadInputException(y.name(), "row " + (r0 + i) + ": label " + ya[i]
                                    + " is outside [0, " + k + ")" + (k > 0 ? " (K = " + k + ")" : ""));
                        }
                    }
                }
                try {
                    sink.accept(xa, ya, r0);
                } catch (IllegalArgumentException e) {
                    String msg = e.getMessage();
                    String file = msg != null && msg.startsWith("label") && y != null ? y.name() : x.name();
                    throw new BadInputException(file, "in rows from " + r0 + ": " + msg);
                }
                p.advance(m);
            }
        }
    }
}
