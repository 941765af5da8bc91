package org.ncj.cli;

import java.io.IOException;

import org.ncj.DType;
import org.ncj.accumulate.ClassFilter;
import org.ncj.accumulate.Classifier;
import org.ncj.analysis.Analysis;
import org.ncj.measure.MetricSet;

/**
 * {@code ncj analyze} on inputs that the core does not read itself: Parquet columns analysed on
 * Apache Spark by the {@code ncj-spark} module. Found with {@link java.util.ServiceLoader}, so the
 * core has no dependency on Spark; the core keeps the options, reads the classifier files and
 * writes the outputs, the provider reads the data and accumulates.
 */
public interface DistributedAnalysis {

    /**
     * One data set as {@code FILE:COLUMN} selectors of the same FILE.
     *
     * @param x embeddings
     * @param y labels, or null (unlabelled OOD data)
     */
    record Columns(String x, String y) {
    }

    /**
     * What {@code analyze} was asked.
     *
     * @param master     the Spark master URL ({@code --spark}), or null for the default
     * @param test       evaluation set for NC4, or null (the training set)
     * @param classifier the last layer, or null (no NC3/NC4)
     * @param ood        OOD data for NC5, or null
     * @param classes    K given with {@code --classes}, or null (rows of the weights, else the largest label + 1)
     * @param backend    the backend name for the partitions and the measures ({@code auto}, {@code cpu}, {@code cuda})
     */
    record Request(String master, Columns train, Columns test, Classifier classifier, Columns ood, Integer classes,
                   String backend, DType dtype, ClassFilter filter, MetricSet.Options options, boolean onePass, int batch,
                   Progress.Factory progress) {
    }

    /**
     * The statistics and measures, as the single-machine analysis returns them, with what the
     * outputs say about the inputs.
     *
     * @param backend            the engine, for metrics.json ({@code "spark"})
     * @param backendDescription where it ran (master, partitions' backend)
     */
    record Outcome(int dim, long trainRows, long testRows, long oodRows, String trainType, Analysis.Result result,
                   String backend, String backendDescription) {
    }

    /**
     * Runs the analysis.
     *
     * @throws org.ncj.io.BadInputException naming {@code FILE:COLUMN} for bad data (exit 2)
     */
    Outcome analyze(Request request) throws IOException;
}
