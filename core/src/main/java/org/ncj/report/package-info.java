/**
 * The self-contained HTML report (inline CSS and SVG, no network) that {@code analyze},
 * {@code demo} and {@code report} write, and the metric definitions it shows.
 */
package org.ncj.report;
