package org.ncj.io;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Opens arrays from command-line style specs:
 * <ul>
 *   <li>{@code path.npy} (any name not ending in {@code .safetensors} is read as {@code .npy});</li>
 *   <li>{@code path.safetensors:tensor}, or {@code path.safetensors} when the file holds exactly one tensor;</li>
 *   <li>a glob in the file name ({@code dump/shard-*.npy}, {@code shard-?.safetensors:emb}): the matches
 *       in natural order (digit runs compare as numbers, so {@code shard-2} precedes {@code shard-10});</li>
 *   <li>several specs: concatenated along rows, in the order given.</li>
 * </ul>
 * Shards are memory-mapped, never loaded whole; they must agree in column count and dtype kind.
 */
public final class Sources {

    private static final String SAFETENSORS = ".safetensors";

    private Sources() {
    }

    /** Opens one spec (which may be a glob). */
    public static Tensor2D open(String spec) throws IOException {
        return open(List.of(spec));
    }

    /** Opens several specs concatenated along rows. */
    public static Tensor2D open(List<String> specs) throws IOException {
        if (specs.isEmpty()) {
            throw new IllegalArgumentException("no input specs");
        }
        List<Tensor2D> parts = new ArrayList<>();
        try {
            for (String spec : specs) {
                openInto(spec, parts);
            }
            return parts.size() == 1 ? parts.get(0) : new ConcatTensor(parts);
        } catch (IOException | RuntimeException e) {
            try {
                closeAll(parts);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Opens embeddings: every shard 2-D (rows, dim) and of a floating-point type. */
    public static Tensor2D openEmbeddings(List<String> specs) throws IOException {
        Tensor2D t = open(specs);
        try {
            for (Tensor2D p : shards(t)) {
                if (p.rank() != 2) {
                    throw new BadInputException(p.name(), "is 1-D (" + p.rows() + " values); embeddings need a 2-D (rows, dim) array");
                }
                if (!p.dtype().isFloat()) {
                    throw new BadInputException(p.name(), "holds " + p.dtype()
                            + "; embeddings must be float16, bfloat16, float32 or float64");
                }
            }
            return t;
        } catch (BadInputException e) {
            t.close();
            throw e;
        }
    }

    public static Tensor2D openEmbeddings(String spec) throws IOException {
        return openEmbeddings(List.of(spec));
    }

    /** Opens labels: every shard 1-D (or a single column) and of an integer type. */
    public static Tensor2D openLabels(List<String> specs) throws IOException {
        Tensor2D t = open(specs);
        try {
            for (Tensor2D p : shards(t)) {
                if (p.cols() != 1) {
                    throw new BadInputException(p.name(), "has " + p.rows() + " x " + p.cols()
                            + " values; labels need a 1-D array (or a single column)");
                }
                if (p.dtype().isFloat()) {
                    throw new BadInputException(p.name(), "holds " + p.dtype() + "; labels must be of an integer type");
                }
            }
            return t;
        } catch (BadInputException e) {
            t.close();
            throw e;
        }
    }

    public static Tensor2D openLabels(String spec) throws IOException {
        return openLabels(List.of(spec));
    }

    private static List<Tensor2D> shards(Tensor2D t) {
        return t instanceof ConcatTensor c ? c.shards() : List.of(t);
    }

    private static void openInto(String spec, List<Tensor2D> parts) throws IOException {
        String filePart = spec;
        String tensor = null;
        int at = spec.lastIndexOf(SAFETENSORS + ":");
        if (at >= 0) {
            filePart = spec.substring(0, at + SAFETENSORS.length());
            tensor = spec.substring(at + SAFETENSORS.length() + 1);
            if (tensor.isEmpty()) {
                tensor = null;
            }
        }
        for (Path file : expand(spec, filePart)) {
            parts.add(openFile(file, tensor));
        }
    }

    private static Tensor2D openFile(Path file, String tensor) throws IOException {
        if (!file.getFileName().toString().endsWith(SAFETENSORS)) {
            return Npy.open(file);
        }
        if (tensor == null) {
            List<String> names = Safetensors.names(file);
            if (names.size() != 1) {
                throw new BadInputException(file, "holds " + names.size() + " tensors " + names
                        + ": name one as " + file.getFileName() + ":TENSOR");
            }
            tensor = names.get(0);
        }
        return Safetensors.openTensor(file, tensor);
    }

    private static boolean isGlob(String s) {
        return s.indexOf('*') >= 0 || s.indexOf('?') >= 0 || s.indexOf('[') >= 0 || s.indexOf('{') >= 0;
    }

    /** The files a spec's file part names: itself, or a glob's matches in natural order. */
    static List<Path> expand(String spec, String filePart) throws IOException {
        Path p = Path.of(filePart);
        Path name = p.getFileName();
        if (name == null || !isGlob(name.toString())) {
            if (p.getParent() != null && isGlob(p.getParent().toString())) {
                throw new BadInputException(spec, "glob characters are supported only in the file name, not in directories");
            }
            return List.of(p);
        }
        Path parent = p.getParent() == null ? Path.of(".") : p.getParent();
        if (isGlob(parent.toString())) {
            throw new BadInputException(spec, "glob characters are supported only in the file name, not in directories");
        }
        if (!Files.isDirectory(parent)) {
            throw new BadInputException(spec, "glob matches no files: directory " + parent + " does not exist");
        }
        List<Path> matches = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent, name.toString())) {
            for (Path m : ds) {
                if (Files.isRegularFile(m)) {
                    matches.add(p.getParent() == null ? m.getFileName() : m);
                }
            }
        }
        if (matches.isEmpty()) {
            throw new BadInputException(spec, "glob matches no files");
        }
        matches.sort(Comparator.comparing(m -> m.getFileName().toString(), Sources::naturalCompare));
        return matches;
    }

    /** Compares strings with digit runs as numbers: {@code a2 < a10}. */
    static int naturalCompare(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            char x = a.charAt(i);
            char y = b.charAt(j);
            if (Character.isDigit(x) && Character.isDigit(y)) {
                int si = i;
                int sj = j;
                while (i < a.length() && Character.isDigit(a.charAt(i))) {
                    i++;
                }
                while (j < b.length() && Character.isDigit(b.charAt(j))) {
                    j++;
                }
                String da = a.substring(si, i).replaceFirst("^0+(?=.)", "");
                String db = b.substring(sj, j).replaceFirst("^0+(?=.)", "");
                int c = da.length() != db.length() ? Integer.compare(da.length(), db.length()) : da.compareTo(db);
                if (c != 0) {
                    return c;
                }
            } else {
                if (x != y) {
                    return Character.compare(x, y);
                }
                i++;
                j++;
            }
        }
        int c = Integer.compare(a.length() - i, b.length() - j);
        return c != 0 ? c : a.compareTo(b);
    }

    /** Closes every tensor, throwing the first failure with the rest suppressed. */
    static void closeAll(List<? extends Tensor2D> parts) throws IOException {
        IOException first = null;
        for (Tensor2D t : parts) {
            try {
                t.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
