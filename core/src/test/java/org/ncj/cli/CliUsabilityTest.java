package org.ncj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a user meets first: help texts, usage errors, the files a run leaves. */
class CliUsabilityTest {

    @TempDir
    Path tmp;

    /**
     * Lines of help text are wrapped at spaces: never inside a file name or path ("metrics." /
     * "json", "~/." / "config/ncj/tuning.tsv"). A wrap inside a word shows as a line ending in
     * '.', '/' or '~' right after a non-space, continued by a lower-case letter or '/'.
     */
    @Test
    void helpWrapsAtSpacesOnly() {
        List<String> broken = new ArrayList<>();
        for (String cmd : new String[] {"", "analyze", "demo", "report", "tune"}) {
            CliRun r = cmd.isEmpty() ? CliRun.run("--help") : CliRun.run(cmd, "--help");
            assertEquals(0, r.exit(), r.err());
            assertEquals("", r.err(), "ncj " + cmd + " --help writes nothing on stderr");
            String[] lines = r.out().split("\n");
            for (int i = 0; i + 1 < lines.length; i++) {
                String a = lines[i].stripTrailing();
                String b = lines[i + 1].strip();
                // A continuation is indented at least as deep as the line it continues; a new entry less.
                boolean continues = indent(lines[i + 1]) >= indent(lines[i]);
                if (continues && a.length() >= 2 && a.length() == lines[i].length() && "./~".indexOf(a.charAt(a.length() - 1)) >= 0
                        && !Character.isWhitespace(a.charAt(a.length() - 2)) && !b.isEmpty()
                        && (Character.isLowerCase(b.charAt(0)) || b.charAt(0) == '/')) {
                    broken.add("ncj " + cmd + " --help: '" + a.substring(Math.max(0, a.length() - 20)) + "' / '"
                            + b.substring(0, Math.min(20, b.length())) + "'");
                }
                assertTrue(lines[i].length() <= 80, "ncj " + cmd + " --help: line longer than 80: " + lines[i]);
            }
        }
        assertEquals(List.of(), broken);
    }

    private static int indent(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) == ' ') {
            i++;
        }
        return i;
    }

    @Test
    void unknownOptionAfterAFileListIsAnUnknownOption() throws Exception {
        Path g = Path.of(System.getProperty("ncj.golden.dir", "src/test/resources/golden"), "small");
        CliRun r = CliRun.run("analyze", "--quiet", "--train-x", g.resolve("train_x.npy").toString(), "--train-y",
                g.resolve("train_y.npy").toString(), "--bogus", "--out", tmp.resolve("o").toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("Unknown option: '--bogus'"), r.err());
        assertTrue(!Files.exists(tmp.resolve("o")), "nothing written");
    }

    /** Output directories get the mode any directory gets under the user's umask, not 0700. */
    @Test
    void outputDirectoryFollowsTheUmask() throws Exception {
        Path reference = Files.createDirectory(tmp.resolve("reference"));
        Set<PosixFilePermission> expected = Files.getPosixFilePermissions(reference);
        Path out = tmp.resolve("out");
        try (OutputDir o = new OutputDir(out)) {
            o.write("a.txt", "a");
            o.commit();
        }
        assertEquals(expected, Files.getPosixFilePermissions(out));
        Path replaced = tmp.resolve("out");
        try (OutputDir o = new OutputDir(replaced)) {
            o.write("b.txt", "b");
            o.commit();
        }
        assertEquals(expected, Files.getPosixFilePermissions(replaced));
        try (var s = Files.list(tmp)) {
            assertEquals(List.of("out", "reference"), s.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary left");
        }
    }
}
