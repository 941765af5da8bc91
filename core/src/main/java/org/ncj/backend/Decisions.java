package org.ncj.backend;

/** Running agreement of the nearest-class-centre and linear classifiers, per true class. */
public interface Decisions extends AutoCloseable {
    /** Adds a validated labelled batch. */
    void add(Batch batch);

    /** Per true class: rows where both classifiers chose the same class (a copy). */
    long[] hits();

    /** Per true class: rows seen (a copy). */
    long[] counts();

    @Override
    void close();
}
