package org.ncj.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * An output directory written all at once: files go into a temporary directory beside the target,
 * which is renamed onto the target only by {@link #commit()}. Closing without committing deletes
 * the temporary directory, so a failed run leaves no partial output (and an earlier result in the
 * target untouched).
 */
final class OutputDir implements AutoCloseable {
    private final Path target;
    private final Path tmp;
    private boolean committed;

    OutputDir(Path target) throws IOException {
        this.target = target.toAbsolutePath().normalize();
        Path parent = this.target.getParent();
        Files.createDirectories(parent);
        if (Files.exists(this.target) && !Files.isDirectory(this.target)) {
            throw new IOException(target + " exists and is not a directory");
        }
        this.tmp = freshDirectory(parent, "." + this.target.getFileName() + ".tmp-");
    }

    Path file(String name) {
        return tmp.resolve(name);
    }

    void write(String name, String text) throws IOException {
        Files.writeString(file(name), text, StandardCharsets.UTF_8);
    }

    /** Moves the temporary directory onto the target (replacing an earlier result). */
    void commit() throws IOException {
        Path old = null;
        if (Files.exists(target)) {
            old = freshDirectory(target.getParent(), "." + target.getFileName() + ".old-");
            Files.delete(old);
            move(target, old);
        }
        try {
            move(tmp, target);
        } catch (IOException e) {
            if (old != null) {
                move(old, target);
            }
            throw e;
        }
        committed = true;
        if (old != null) {
            deleteTree(old);
        }
    }

    /**
     * A new directory with a unique name: created like any directory, with the mode the umask
     * gives (Files.createTempDirectory would make it 0700, and the rename would keep that).
     */
    private static Path freshDirectory(Path parent, String prefix) throws IOException {
        java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; ; attempt++) {
            Path p = parent.resolve(prefix + Long.toUnsignedString(r.nextLong(), 36));
            try {
                return Files.createDirectory(p);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (attempt == 100) {
                    throw e;
                }
            }
        }
    }

    private static void move(Path a, Path b) throws IOException {
        try {
            Files.move(a, b, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(a, b);
        }
    }

    @Override
    public void close() throws IOException {
        if (!committed) {
            deleteTree(tmp);
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        Files.walkFileTree(p, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
