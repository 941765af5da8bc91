/**
 * Readers of embedding files: memory-mapped {@code .npy} and {@code .safetensors}, several files or
 * a glob concatenated along rows, streamed in batches; and the JSON the command line writes.
 */
package org.ncj.io;
