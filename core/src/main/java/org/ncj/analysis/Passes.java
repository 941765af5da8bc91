package org.ncj.analysis;

import java.io.IOException;

import org.ncj.DType;
import org.ncj.accumulate.ClassStatistics;
import org.ncj.accumulate.Classifier;
import org.ncj.accumulate.DecAccumulator;
import org.ncj.accumulate.MeanAccumulator;
import org.ncj.accumulate.Means;
import org.ncj.accumulate.WithinClassAccumulator;
import org.ncj.backend.Backend;

/**
 * Where an {@link Analysis} reads its data: each method is one pass over one data set, returning
 * an accumulator (on the analysis's backend) that holds the whole set and that the analysis then
 * owns and closes. {@link Analysis#run(Analysis.Inputs)} streams {@link org.ncj.io.Tensor2D}s on
 * this machine; the Spark module reduces the states of partitions. The order of the passes, which
 * ones run, and what the statistics become are the analysis's ({@link Analysis#run(Passes, Integer,
 * Classifier)}), so they are written once.
 *
 * <p>Bad data is an {@link org.ncj.io.BadInputException} naming the file (and row where known).
 */
public interface Passes {
    /** What messages about the training embeddings name (a file, {@code FILE:COLUMN}). */
    String trainEmbeddingsName();

    /** What messages about the training labels name. */
    String trainLabelsName();

    /** Whether an evaluation set was given (else the decisions are made on the training set). */
    boolean hasTest();

    /** Whether OOD data was given. */
    boolean hasOod();

    /** K = the largest training label + 1, refusing negative and implausible labels. */
    int trainingClasses() throws IOException;

    /** The embeddings' dimension D; may first be known after {@link #means} or {@link #onePass}. */
    int dim();

    /** First pass of the training set: class sums and counts. */
    MeanAccumulator means(int k, Backend backend, DType dtype) throws IOException;

    /** The training set once: counts, means, Σ_W and variance norms together. */
    ClassStatistics onePass(int k, Backend backend, DType dtype) throws IOException;

    /** Second pass of the training set, about {@code means}: Σ_W and variance norms. */
    WithinClassAccumulator withinClass(Means means, Backend backend) throws IOException;

    /** The classifier's and the nearest-class-centre decisions on the evaluation set, else the training set. */
    DecAccumulator decisions(Means means, Classifier classifier, Backend backend) throws IOException;

    /** Whether the OOD data has labels (its mean is then the unweighted mean of the per-label means). */
    boolean oodLabelled();

    /** The largest OOD label + 1, refusing negative labels (asked only of labelled OOD data). */
    int oodClasses() throws IOException;

    /** The OOD data: per-label sums and counts. */
    MeanAccumulator oodMeans(int kOod, Backend backend, DType dtype) throws IOException;
}
