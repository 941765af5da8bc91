package org.ncj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ncj.io.Npy;
import org.ncj.io.Safetensors;
import org.ncj.testutil.Golden;

/** Shards, globs and safetensors give the same metrics as one .npy file; report combines runs. */
class CliInputsTest {

    @TempDir
    Path tmp;

    @SuppressWarnings("unchecked")
    private Map<String, Object> metrics(Path out) throws Exception {
        return (Map<String, Object>) CliRun.json(out.resolve("metrics.json")).get("metrics");
    }

    @Test
    void shardsGlobsAndSafetensorsMatchOneFile() throws Exception {
        Golden g = Golden.load("small");
        int d = g.d();
        int n = g.trainY().length;
        int[] cuts = {0, 700, 1900, n};
        for (int s = 0; s < 3; s++) {
            Npy.write(tmp.resolve("x-" + (s == 2 ? 10 : s + 1) + ".npy"), Arrays.copyOfRange(g.trainX(), cuts[s] * d, cuts[s + 1] * d),
                    cuts[s + 1] - cuts[s], d);
            Npy.write(tmp.resolve("y-" + (s == 2 ? 10 : s + 1) + ".npy"), Arrays.copyOfRange(g.trainY(), cuts[s], cuts[s + 1]),
                    cuts[s + 1] - cuts[s]);
        }
        Path st = tmp.resolve("test.safetensors");
        new Safetensors.Writer().add("emb", g.testX(), g.testY().length, d).add("labels", g.testY(), g.testY().length)
                .add("w", g.weights(), g.k(), d).write(st);
        Path ref = tmp.resolve("ref");
        Path dir = g.dir();
        CliRun a = CliRun.run("analyze", "-q", "--backend", "cpu", "--dtype", "float64", "--train-x", dir.resolve("train_x.npy").toString(),
                "--train-y", dir.resolve("train_y.npy").toString(), "--test-x", dir.resolve("test_x.npy").toString(), "--test-y",
                dir.resolve("test_y.npy").toString(), "--weights", dir.resolve("weights.npy").toString(), "--out", ref.toString());
        assertEquals(0, a.exit(), a.err());
        Path sharded = tmp.resolve("sharded");
        CliRun b = CliRun.run("analyze", "-q", "--backend", "cpu", "--dtype", "float64", "--batch", "333",
                "--train-x", tmp.resolve("x-*.npy").toString(), "--train-y", tmp.resolve("y-1.npy").toString(),
                tmp.resolve("y-2.npy").toString(), tmp.resolve("y-10.npy").toString(),
                "--test-x", st + ":emb", "--test-y", st + ":labels", "--weights", st + ":w", "--out", sharded.toString());
        assertEquals(0, b.exit(), b.err());
        Map<String, Object> m1 = metrics(ref);
        Map<String, Object> m2 = metrics(sharded);
        assertEquals(m1.keySet(), m2.keySet());
        for (String k : m1.keySet()) {
            double x = (Double) m1.get(k);
            double y = (Double) m2.get(k);
            assertEquals(x, y, 1e-9 * Math.abs(x) + 1e-12, k);
        }
        assertFalse(m1.containsKey("nc5_ood_dev"), "no OOD, no NC5");
    }

    @Test
    void withoutWeightsNoNc3OrNc4AndReportCombines() throws Exception {
        Path dir = Golden.root().resolve("k2");
        Path out = tmp.resolve("k2");
        CliRun r = CliRun.run("analyze", "-q", "--train-x", dir.resolve("train_x.npy").toString(), "--train-y",
                dir.resolve("train_y.npy").toString(), "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        Map<String, Object> m = metrics(out);
        assertTrue(m.containsKey("nc1_pinv") && m.containsKey("nc2_etf_err"));
        assertFalse(m.containsKey("nc3_dual_err") || m.containsKey("nc4_agree") || m.containsKey("nc5_ood_dev"));
        Map<String, Object> json = CliRun.json(out.resolve("metrics.json"));
        assertTrue(((List<Object>) json.get("notes")).toString().contains("no --weights"));
        assertTrue(((Map<?, ?>) json.get("seconds")).containsKey("means"));

        Path rep = tmp.resolve("rep");
        CliRun c = CliRun.run("report", "--label", "one=" + out, "--label", "two=" + out.resolve("metrics.json"), "--out", rep.toString());
        assertEquals(0, c.exit(), c.err());
        String html = Files.readString(rep.resolve("report.html"));
        assertTrue(html.contains(">one<") && html.contains(">two<"), "both labels in the report");

        CliRun bad = CliRun.run("report", "--label", "x=" + tmp.resolve("nope.json"), "--out", tmp.resolve("rep2").toString());
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("nope.json"), bad.err());
        assertFalse(Files.exists(tmp.resolve("rep2")));
    }
}
