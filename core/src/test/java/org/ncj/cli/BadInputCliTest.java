package org.ncj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ncj.io.Npy;
import org.ncj.io.Safetensors;

/** Every bad input: one line naming the file and the problem, exit code 2, and no output directory. */
class BadInputCliTest {

    @TempDir
    Path tmp;

    static final int K = CliRun.Inputs.K;
    static final int D = CliRun.Inputs.D;
    static final int N = CliRun.Inputs.N;
    Path x;
    Path y;
    Path w;
    Path out;

    @BeforeEach
    void files() throws Exception {
        CliRun.Inputs in = CliRun.Inputs.write(tmp);
        x = in.x();
        y = in.y();
        w = in.w();
        out = tmp.resolve("out");
    }

    private CliRun analyze(String... extra) {
        return CliRun.analyze(out, extra);
    }

    private void assertBad(CliRun r, String file, String problem) throws Exception {
        assertEquals(2, r.exit(), "exit code; stderr: " + r.err());
        String[] lines = r.err().strip().split("\n");
        assertEquals(1, lines.length, "one line: " + r.err());
        assertTrue(lines[0].startsWith("ncj: "), lines[0]);
        assertTrue(lines[0].contains(file), "names " + file + ": " + lines[0]);
        assertTrue(lines[0].toLowerCase().contains(problem.toLowerCase()), "says '" + problem + "': " + lines[0]);
        assertFalse(Files.exists(out), "no output directory");
        try (Stream<Path> s = Files.list(tmp)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".out")), "no temporary directory left");
        }
    }

    @Test
    void goodInputWorks() throws Exception {
        CliRun r = analyze("--train-x", x.toString(), "--train-y", y.toString(), "--weights", w.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(Files.exists(out.resolve("metrics.json")));
        assertTrue(r.out().contains("NC4 (nc4_agree) measured on the training set"), r.out());
    }

    @Test
    void wrongDtype() throws Exception {
        Path xi = tmp.resolve("xint.npy");
        Npy.write(xi, new int[N * D], N, D);
        assertBad(analyze("--train-x", xi.toString(), "--train-y", y.toString()), "xint.npy", "float");
        Path yf = tmp.resolve("yfloat.npy");
        Npy.write(yf, new float[N], N);
        assertBad(analyze("--train-x", x.toString(), "--train-y", yf.toString()), "yfloat.npy", "integer");
    }

    @Test
    void wrongRank() throws Exception {
        Path x1 = tmp.resolve("x1d.npy");
        Npy.write(x1, new float[N], N);
        assertBad(analyze("--train-x", x1.toString(), "--train-y", y.toString()), "x1d.npy", "1-D");
        Path y2 = tmp.resolve("y2d.npy");
        Npy.write(y2, new int[N * 2], N, 2);
        assertBad(analyze("--train-x", x.toString(), "--train-y", y2.toString()), "y2d.npy", "labels need");
    }

    @Test
    void wrongShape() throws Exception {
        Path w5 = tmp.resolve("w5.npy");
        Npy.write(w5, new float[K * 5], K, 5);
        assertBad(analyze("--train-x", x.toString(), "--train-y", y.toString(), "--weights", w5.toString()), "w5.npy", "D = 4");
        Path t5 = tmp.resolve("t5.npy");
        Npy.write(t5, new float[N * 5], N, 5);
        assertBad(analyze("--train-x", x.toString(), "--train-y", y.toString(), "--ood-x", t5.toString()), "t5.npy", "dimension 5");
    }

    @Test
    void differentLengths() throws Exception {
        Path ys = tmp.resolve("yshort.npy");
        Npy.write(ys, new int[N - 1], N - 1);
        assertBad(analyze("--train-x", x.toString(), "--train-y", ys.toString()), "yshort.npy", "11 labels");
    }

    @Test
    void labelsOutOfRange() throws Exception {
        int[] ys = new int[N];
        ys[5] = 7;
        Path yb = tmp.resolve("ybig.npy");
        Npy.write(yb, ys, N);
        assertBad(analyze("--train-x", x.toString(), "--train-y", yb.toString(), "--weights", w.toString()), "ybig.npy",
                "row 5: label 7 is outside [0, 3)");
        ys[5] = -1;
        Npy.write(yb, ys, N);
        assertBad(analyze("--train-x", x.toString(), "--train-y", yb.toString()), "ybig.npy", "negative");
    }

    @Test
    void truncatedAndNonNpyFiles() throws Exception {
        byte[] full = Files.readAllBytes(x);
        Path tr = tmp.resolve("trunc.npy");
        Files.write(tr, Arrays.copyOf(full, full.length - 10));
        assertBad(analyze("--train-x", tr.toString(), "--train-y", y.toString()), "trunc.npy", "trunc");
        Path txt = tmp.resolve("notes.npy");
        Files.writeString(txt, "this is not an npy file\n");
        assertBad(analyze("--train-x", txt.toString(), "--train-y", y.toString()), "notes.npy", "npy");
        assertBad(analyze("--train-x", tmp.resolve("missing.npy").toString(), "--train-y", y.toString()), "missing.npy", "no such file");
    }

    @Test
    void missingSafetensorsTensor() throws Exception {
        Path st = tmp.resolve("emb.safetensors");
        new Safetensors.Writer().add("features", new float[N * D], N, D).add("labels", new int[N], N).write(st);
        assertBad(analyze("--train-x", st + ":feats", "--train-y", st + ":labels"), "emb.safetensors", "feats");
        // and the same tensors under their right names work
        CliRun ok = analyze("--train-x", st + ":features", "--train-y", st + ":labels", "--classes", "1");
        assertEquals(2, ok.exit(), "K = 1 has no pairs: " + ok.err());
    }

    @Test
    void failureKeepsAnEarlierResult() throws Exception {
        assertEquals(0, analyze("--train-x", x.toString(), "--train-y", y.toString()).exit());
        String before = Files.readString(out.resolve("metrics.json"));
        Path ys = tmp.resolve("yshort.npy");
        Npy.write(ys, new int[N - 1], N - 1);
        CliRun r = analyze("--train-x", x.toString(), "--train-y", ys.toString());
        assertEquals(2, r.exit());
        assertEquals(before, Files.readString(out.resolve("metrics.json")));
    }

    @Test
    void helpDocumentsEveryCommand() {
        for (String cmd : new String[] {"analyze", "demo", "report"}) {
            CliRun r = CliRun.run(cmd, "--help");
            assertEquals(0, r.exit());
            assertTrue(r.out().contains("--out"), cmd + ": " + r.out());
        }
        CliRun r = CliRun.run();
        assertEquals(0, r.exit());
        assertTrue(r.out().contains("demo") && r.out().contains("analyze") && r.out().contains("report"), r.out());
        assertEquals(2, CliRun.run("analyze", "--no-such-option").exit());
    }
}
