/**
 * The neural-collapse measures: {@link org.ncj.measure.Measures} (each NC1–NC5 measure with its
 * formula and paper), {@link org.ncj.measure.MetricSet} (all of them by name) and the tile-size
 * tuning table.
 */
package org.ncj.measure;
