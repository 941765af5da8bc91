/**
 * The tile tuning table of the backends ({@link org.ncj.backend.tuning.Tuning}): {@code ./ncj tune}
 * times each backend's candidate tiles and records the fastest per device and shape; each backend
 * reads its own rows back when it plans a tile ({@link org.ncj.backend.Backend#pairwiseTile}).
 */
package org.ncj.backend.tuning;
