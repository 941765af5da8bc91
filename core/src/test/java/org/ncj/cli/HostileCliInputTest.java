package org.ncj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ncj.io.Npy;

/**
 * Bad inputs found by fuzzing (issue 12, items 5 to 7) through {@code ./ncj analyze}: each exits 2
 * with one short, printable line naming the file and the problem, and writes nothing;
 * Fortran-order files give the same result as C-order ones.
 */
class HostileCliInputTest {

    @TempDir
    Path tmp;

    static final int K = CliRun.Inputs.K;
    static final int D = CliRun.Inputs.D;
    static final int N = CliRun.Inputs.N;
    Path x;
    Path y;
    Path w;
    Path out;
    float[] xs;

    @BeforeEach
    void files() throws Exception {
        CliRun.Inputs in = CliRun.Inputs.write(tmp);
        x = in.x();
        y = in.y();
        w = in.w();
        xs = in.xs();
        out = tmp.resolve("out");
    }

    private CliRun analyze(String... extra) {
        return CliRun.analyze(out, extra);
    }

    private String assertBad(CliRun r, String file, String... problem) {
        assertEquals(2, r.exit(), "exit code; stderr: " + r.err());
        String[] lines = r.err().strip().split("\n");
        assertEquals(1, lines.length, "one line: " + r.err());
        String line = lines[0];
        assertTrue(line.startsWith("ncj: "), line);
        assertTrue(line.contains(file), "names " + file + ": " + line);
        for (String p : problem) {
            assertTrue(line.contains(p), "says '" + p + "': " + line);
        }
        assertTrue(line.length() < 1000, "short: " + line.length());
        assertFalse(Files.exists(out), "no output directory");
        return line;
    }

    private Path labels(String name, int last) throws Exception {
        int[] ys = new int[N];
        for (int i = 0; i < N; i++) {
            ys[i] = i % K;
        }
        ys[N - 2] = last;
        Npy.write(tmp.resolve(name), ys, N);
        return tmp.resolve(name);
    }

    @Test
    void labelAtIntMaxDoesNotOverflowK() throws Exception {
        Path yl = labels("ymax.npy", Integer.MAX_VALUE);
        assertBad(analyze("--train-x", x.toString(), "--train-y", yl.toString()), "ymax.npy", "row 10", "2147483647");
        // OOD labels size their own K the same way
        assertBad(analyze("--train-x", x.toString(), "--train-y", y.toString(), "--ood-x", x.toString(), "--ood-y", yl.toString()),
                "ymax.npy", "row 10", "2147483647");
    }

    @Test
    void aLabelFarAboveTheOthersNamesLabelAndRowAndSuggestsClasses() throws Exception {
        Path yl = labels("yfar.npy", 20_000_000);
        assertBad(analyze("--train-x", x.toString(), "--train-y", yl.toString()), "yfar.npy", "row 10", "20000000", "--classes");
        // OOD labels only group the OOD rows: renumbering is the remedy there
        assertBad(analyze("--train-x", x.toString(), "--train-y", y.toString(), "--ood-x", x.toString(), "--ood-y", yl.toString()),
                "yfar.npy", "row 10", "20000000", "number the OOD labels from 0");
    }

    @Test
    void labelsAtOrAboveClassesAreNamed() throws Exception {
        Path yl = labels("y5.npy", 5);
        assertBad(analyze("--train-x", x.toString(), "--train-y", yl.toString(), "--classes", "3"), "y5.npy", "row 10", "5");
    }

    @Test
    void classesTooLargeForMemoryIsACleanError() throws Exception {
        assertBad(analyze("--train-x", x.toString(), "--train-y", y.toString(), "--classes", "2000000000"), "--classes",
                "memory");
    }

    @Test
    void embeddingsWithoutColumns() throws Exception {
        Path x0 = tmp.resolve("x0.npy");
        Npy.write(x0, new float[0], N, 0);
        assertBad(analyze("--train-x", x0.toString(), "--train-y", y.toString()), "x0.npy", "(12, 0)");
    }

    @Test
    void emptyTestAndOodSetsAndWeights() throws Exception {
        Path e = tmp.resolve("e.npy");
        Npy.write(e, new float[0], 0, D);
        Path ey = tmp.resolve("ey.npy");
        Npy.write(ey, new int[0], 0);
        assertBad(analyze("--train-x", x.toString(), "--train-y", y.toString(), "--weights", w.toString(),
                "--test-x", e.toString(), "--test-y", ey.toString()), "e.npy", "no rows");
        assertBad(analyze("--train-x", x.toString(), "--train-y", y.toString(), "--ood-x", e.toString()), "e.npy", "no rows");
        assertBad(analyze("--train-x", x.toString(), "--train-y", y.toString(), "--weights", e.toString()), "e.npy", "no rows");
    }

    @Test
    void directoryGivenAsFile() throws Exception {
        Path d = Files.createDirectory(tmp.resolve("dir.npy"));
        assertBad(analyze("--train-x", d.toString(), "--train-y", y.toString()), "dir.npy", "directory");
        Path s = Files.createDirectory(tmp.resolve("dir.safetensors"));
        assertBad(analyze("--train-x", s + ":x", "--train-y", y.toString()), "dir.safetensors", "directory");
    }

    @Test
    void rawBytesInHeadersAreEscapedInTheOneLine() throws Exception {
        byte[] dict = "{'descr': '<f4\u0000\u001b]0;owned\u0007\u009b', 'fortran_order': False, 'shape': (12, 4), }"
                .getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(128 + N * D * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) 118).put(dict);
        while (b.position() < 127) {
            b.put((byte) ' ');
        }
        b.put((byte) '\n');
        Path bad = Files.write(tmp.resolve("esc.npy"), b.array());
        String line = assertBad(analyze("--train-x", bad.toString(), "--train-y", y.toString()), "esc.npy", "\\x00", "\\x1b",
                "\\x07", "\\x9b");
        for (char c : line.toCharArray()) {
            assertTrue(c >= 0x20 && (c < 0x7f || c >= 0xa0), "raw U+" + Integer.toHexString(c) + " in " + line);
        }
    }

    @Test
    void fortranOrderInputsGiveTheSameResultAsCOrder() throws Exception {
        // np.save(f, X.T.copy().T) and np.save(f, W.T) of a (D, K) matrix: fortran_order True
        Path xf = fortran("xf.npy", xs, N, D);
        float[] ws = new float[K * D];
        for (int c = 0; c < K; c++) {
            ws[c * D + c] = 1f;
            ws[c * D + (c + 1) % D] = 0.5f;
        }
        Path wc = tmp.resolve("wc.npy");
        Npy.write(wc, ws, K, D);
        Path wf = fortran("wf.npy", ws, K, D);
        CliRun c = analyze("--train-x", x.toString(), "--train-y", y.toString(), "--weights", wc.toString(), "--batch", "5");
        assertEquals(0, c.exit(), c.err());
        Map<String, Object> cm = CliRun.json(out.resolve("metrics.json"));
        Files.walk(out).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        CliRun f = analyze("--train-x", xf.toString(), "--train-y", y.toString(), "--weights", wf.toString(), "--batch", "5");
        assertEquals(0, f.exit(), f.err());
        Map<String, Object> fm = CliRun.json(out.resolve("metrics.json"));
        assertEquals(cm.get("metrics"), fm.get("metrics"));
    }

    private Path fortran(String name, float[] rowMajor, int rows, int cols) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(4 * rows * cols).order(ByteOrder.LITTLE_ENDIAN);
        for (int c = 0; c < cols; c++) {
            for (int r = 0; r < rows; r++) {
                b.putFloat(rowMajor[r * cols + c]);
            }
        }
        byte[] dict = ("{'descr': '<f4', 'fortran_order': True, 'shape': (" + rows + ", " + cols + "), }")
                .getBytes(StandardCharsets.ISO_8859_1);
        int total = 128;
        ByteBuffer f = ByteBuffer.allocate(total + b.capacity()).order(ByteOrder.LITTLE_ENDIAN);
        f.put(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) (total - 10)).put(dict);
        while (f.position() < total - 1) {
            f.put((byte) ' ');
        }
        f.put((byte) '\n').put(b.array());
        return Files.write(tmp.resolve(name), f.array());
    }
}
