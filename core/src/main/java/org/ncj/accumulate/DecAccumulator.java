package org.ncj.accumulate;

import org.ncj.DType;
import org.ncj.backend.Backend;
import org.ncj.backend.Batch;
import org.ncj.backend.Decisions;

/**
 * Agreement of the nearest-class-centre classifier {@code argmin_c ‖x − μ_c‖²} and the linear
 * classifier {@code argmax_c w_c·x + b_c} on an evaluation set (Python package:
 * {@code DecAccumulator}; it has no bias). Both choose among the classes that have a training
 * mean; ties go to the lowest class index. Evaluation labels must be in [0, K), but need not have
 * a training mean (such rows count, and can only agree by chance).
 *
 * <p>Threads: one at a time, a concurrent call throws; feed many threads through one accumulator
 * each and {@link #merge} them: hits and counts add exactly (see {@link Accumulator}).
 */
public final class DecAccumulator extends Accumulator {
    private static final String KIND = "DecAccumulator";
    private final Means means;
    private final Classifier classifier;
    private final Decisions decisions;
    /** Hits and counts merged from other accumulators or loaded from a file. */
    private final long[] extraHits;
    private final long[] extraCounts;

    public DecAccumulator(Backend backend, Means means, Classifier classifier) {
        super(means.numClasses(), means.dim(), backend, means.dtype());
        if (classifier.k() != k || classifier.d() != d) {
            throw new IllegalArgumentException("classifier is K x D = " + classifier.k() + " x " + classifier.d()
                    + " but the means are " + k + " x " + d);
        }
        this.means = means;
        this.classifier = classifier;
        this.decisions = backend.decisions(means.meansView(), classifier.weights(), classifier.bias(), means.present(), k, d,
                dtype);
        this.extraHits = new long[k];
        this.extraCounts = new long[k];
    }

    @Override
    Means boundMeans() {
        return means;
    }

    /** Adds a batch after checking that {@code m} are the means this accumulator was built with. */
    public void accumulate(float[] x, int[] labels, Means m) {
        accumulateWithMeans(x, labels, m);
    }

    /** Adds a batch after checking the means and classifier are the ones this accumulator was built with. */
    public void accumulate(float[] x, int[] labels, Means m, Classifier c) {
        guard.enter();
        try {
            if (c != classifier && c != lastChecked) {
                // Compared only when another object arrives, never per batch.
                if (!(java.util.Arrays.equals(c.weights(), classifier.weights())
                        && java.util.Arrays.equals(c.bias(), classifier.bias()))) {
                    throw new IllegalArgumentException("the classifier given differs from the one this DecAccumulator was built with");
                }
                lastChecked = c;
            }
            accumulate(x, labels, m);
        } finally {
            guard.exit();
        }
    }

    private Classifier lastChecked;

    @Override
    void add(Batch batch) {
        decisions.add(labelled(batch));
    }

    /** Hits and counts per true class so far. */
    public Agreement compute() {
        return use(this::computeNow);
    }

    private Agreement computeNow() {
        long[] h = decisions.hits();
        long[] c = decisions.counts();
        for (int i = 0; i < k; i++) {
            h[i] += extraHits[i];
            c[i] += extraCounts[i];
        }
        return new Agreement(h, c, means);
    }

    /** Adds another accumulator's hits and counts (exact); both must share means and classifier. */
    public void merge(DecAccumulator other) {
        if (other.k != k || !other.means.sameValues(means) || !java.util.Arrays.equals(other.classifier.weights(), classifier.weights())
                || !java.util.Arrays.equals(other.classifier.bias(), classifier.bias())) {
            throw new IllegalArgumentException("cannot merge: the other DecAccumulator has other means or another classifier");
        }
        merging(other, () -> {
            Agreement a = other.computeNow();
            addExtra(a.hits(), a.counts());
        });
    }

    private void addExtra(long[] h, long[] c) {
        for (int i = 0; i < k; i++) {
            extraHits[i] += h[i];
            extraCounts[i] += c[i];
        }
    }

    @Override
    final java.util.Map<String, Object> state() {
        Agreement a = compute();
        java.util.Map<String, Object> arr = new java.util.LinkedHashMap<>();
        arr.put("hits", a.hits());
        arr.put("counts", a.counts());
        AccumulatorFiles.putMeans(arr, means);
        arr.put("weights", classifier.weights());
        if (classifier.bias() != null) {
            arr.put("bias", classifier.bias());
        }
        return arr;
    }

    /**
     * A new accumulator for {@code means} and {@code classifier} holding the state saved in {@code file}.
     *
     * @throws java.io.IOException when the file holds another kind, shape, dtype, version, means or classifier
     */
    public static DecAccumulator load(java.nio.file.Path file, Backend backend, Means means, Classifier classifier)
            throws java.io.IOException {
        return restore(AccumulatorFiles.read(file, KIND, means.numClasses(), means.dim(), means.dtype()), backend, means,
                classifier);
    }

    /** Reads one state from {@code in} (left just after it, not closed); see {@link #load(java.nio.file.Path, Backend, Means, Classifier)}. */
    public static DecAccumulator load(java.io.InputStream in, Backend backend, Means means, Classifier classifier)
            throws java.io.IOException {
        return restore(AccumulatorFiles.read(in, AccumulatorFiles.STREAM, KIND, means.numClasses(), means.dim(), means.dtype()),
                backend, means, classifier);
    }

    /** The state {@link #toBytes()} gave; see {@link #load(java.nio.file.Path, Backend, Means, Classifier)}. */
    public static DecAccumulator fromBytes(byte[] bytes, Backend backend, Means means, Classifier classifier)
            throws java.io.IOException {
        return restore(AccumulatorFiles.read(bytes, KIND, means.numClasses(), means.dim(), means.dtype()), backend, means,
                classifier);
    }

    private static DecAccumulator restore(AccumulatorFiles.State s, Backend backend, Means means, Classifier classifier)
            throws java.io.IOException {
        AccumulatorFiles.checkMeans(s, means);
        Object bias = s.arrays().get("bias");
        if (!java.util.Arrays.equals(s.doubles("weights"), classifier.weights())
                || (bias != null && !(bias instanceof double[]))
                || !java.util.Arrays.equals((double[]) bias, classifier.bias())) {
            throw AccumulatorFiles.bad(s.source(), "the saved DecAccumulator used another classifier than the one given");
        }
        long[] hits = s.counts("hits", means.numClasses());
        long[] counts = s.counts("counts", means.numClasses());
        for (int c = 0; c < hits.length; c++) {
            if (hits[c] > counts[c]) {
                throw AccumulatorFiles.bad(s.source(), "impossible value in the saved DecAccumulator: class " + c + " has "
                        + hits[c] + " hits of " + counts[c] + " samples");
            }
        }
        DecAccumulator acc = new DecAccumulator(backend, means, classifier);
        acc.addExtra(hits, counts);
        return acc;
    }

    @Override
    void release() {
        decisions.close();
    }
}
