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
 */
public final class DecAccumulator extends Accumulator {
    private final Means means;
    private final Classifier classifier;
    private final Decisions decisions;

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
    }

    @Override
    Means boundMeans() {
        return means;
    }

    /** Adds a batch after checking the means and classifier are the ones this accumulator was built with. */
    public void accumulate(float[] x, int[] labels, Means m, Classifier c) {
        if (c != classifier && c != lastChecked) {
            // Compared only when another object arrives, never per batch.
            if (!(java.util.Arrays.equals(c.weights(), classifier.weights()) && java.util.Arrays.equals(c.bias(), classifier.bias()))) {
                throw new IllegalArgumentException("the classifier given differs from the one this DecAccumulator was built with");
            }
            lastChecked = c;
        }
        accumulate(x, labels, m);
    }

    private Classifier lastChecked;

    @Override
    void add(Batch batch) {
        decisions.add(labelled(batch));
    }

    /** Hits and counts per true class so far. */
    public Agreement compute() {
        ensureOpen();
        return new Agreement(decisions.hits(), decisions.counts(), means);
    }

    @Override
    void release() {
        decisions.close();
    }
}
