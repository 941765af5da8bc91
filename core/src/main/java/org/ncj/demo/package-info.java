/**
 * The unconstrained-features model that {@code ./ncj demo} trains to show neural collapse
 * happening (free features and a linear classifier, cross-entropy with weight decay).
 */
package org.ncj.demo;
