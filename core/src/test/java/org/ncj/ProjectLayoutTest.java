package org.ncj;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The repository stands on its own and documents itself. Runs in core/ (Surefire's working directory). */
class ProjectLayoutTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void everyPackageHasAPackageInfo() throws IOException {
        List<String> missing = new ArrayList<>();
        for (String src : new String[] {"core/src/main/java", "bench/src/main/java"}) {
            Path base = ROOT.resolve(src);
            if (!Files.isDirectory(base)) {
                continue;
            }
            try (Stream<Path> dirs = Files.walk(base)) {
                for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                    try (Stream<Path> files = Files.list(dir)) {
                        boolean hasJava = files.anyMatch(f -> f.toString().endsWith(".java"));
                        if (hasJava && !Files.exists(dir.resolve("package-info.java"))) {
                            missing.add(ROOT.relativize(dir).toString());
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), missing, "packages without package-info.java");
    }

    /** Nothing points outside the repository to the developers' shared folder. */
    @Test
    void nothingReferencesTheSharedFolderOutsideTheRepository() throws IOException {
        String[] outside = {"../" + "shared", "shared/" + "METRICS", "shared/" + "golden"};
        List<String> hits = new ArrayList<>();
        try (Stream<Path> files = Files.walk(ROOT)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String rel = ROOT.relativize(f).toString();
                if (rel.startsWith(".git") || rel.contains("/target/") || rel.startsWith("target/") || rel.endsWith(".npy")
                        || rel.endsWith(".ptx") || Files.size(f) > 2_000_000) {
                    continue;
                }
                String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                for (String o : outside) {
                    if (text.contains(o)) {
                        hits.add(rel + ": " + o);
                    }
                }
            }
        }
        assertEquals(List.of(), hits);
        assertTrue(Files.isRegularFile(ROOT.resolve("docs/METRICS.md")), "docs/METRICS.md holds the definitions");
        assertTrue(Files.readString(ROOT.resolve("README.md")).contains("(docs/METRICS.md)"), "the README links them");
    }

    /** Build outputs stay out of git. */
    @Test
    void buildOutputsAreNotTracked() throws Exception {
        Process p;
        try {
            p = new ProcessBuilder("git", "-C", ROOT.toString(), "ls-files", "--", "*dependency-reduced-pom.xml", "*/target/*")
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("git is not installed: " + e.getMessage());
            return;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        Assumptions.assumeTrue(p.exitValue() == 0, "not a git checkout: " + out);
        assertEquals("", out, "tracked build outputs");
    }
}
