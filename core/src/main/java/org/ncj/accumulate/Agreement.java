package org.ncj.accumulate;

/**
 * Per true class: rows where the nearest-class-centre and the linear classifier agreed
 * ({@code hits}), and rows seen ({@code counts}).
 */
public record Agreement(long[] hits, long[] counts, Means means) {
}
