package org.ncj.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An input file that cannot be read as the array it claims to be: bad magic, truncated data,
 * an unsupported dtype, a wrong rank, header offsets out of bounds, a label that does not fit
 * an {@code int}, a glob that matches nothing.
 *
 * <p>The message is one line: {@code FILE: problem}, with non-printable characters escaped and
 * each part capped at a few hundred characters ({@link Messages#clean}), since both may come
 * from a hostile file.
 */
public class BadInputException extends IOException {

    private final String file;

    public BadInputException(Path file, String problem) {
        this(String.valueOf(file), problem);
    }

    public BadInputException(String file, String problem) {
        super(Messages.clean(file) + ": " + Messages.clean(problem));
        this.file = file;
    }

    /** The file (or {@code FILE:TENSOR}, or glob pattern) the problem was found in. */
    public String file() {
        return file;
    }
}
