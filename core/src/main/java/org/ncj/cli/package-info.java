/**
 * The {@code ./ncj} command line (picocli): {@code analyze}, {@code demo}, {@code report} and
 * {@code tune}. Bad input exits with code 2 and one line naming the problem.
 */
package org.ncj.cli;
