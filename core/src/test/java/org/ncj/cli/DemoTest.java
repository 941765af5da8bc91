package org.ncj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo shows neural collapse: at the last checkpoint NC1 is ≥ 100× below the first, ETF error < 0.05, agreement > 0.99. */
class DemoTest {

    @TempDir
    Path tmp;

    @Test
    @SuppressWarnings("unchecked")
    void finalCheckpointShowsCollapse() throws Exception {
        Path out = tmp.resolve("demo");
        long t0 = System.nanoTime();
        CliRun r = CliRun.run("demo", "--quiet", "--out", out.toString());
        double secs = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, r.exit(), r.err());
        assertTrue(secs < 60, "demo took " + secs + " s");
        Map<String, Object> json = CliRun.json(out.resolve("metrics.json"));
        List<Object> cps = (List<Object>) json.get("checkpoints");
        assertTrue(cps.size() >= 10, "at least 10 checkpoints, got " + cps.size());
        Map<String, Object> first = (Map<String, Object>) ((Map<String, Object>) cps.get(0)).get("metrics");
        Map<String, Object> lastCp = (Map<String, Object>) cps.get(cps.size() - 1);
        Map<String, Object> last = (Map<String, Object>) lastCp.get("metrics");
        double nc1First = (Double) first.get("nc1_pinv");
        double nc1Last = (Double) last.get("nc1_pinv");
        assertTrue(nc1Last * 100 <= nc1First, "NC1 " + nc1First + " -> " + nc1Last);
        assertTrue((Double) last.get("nc2_etf_err") < 0.05, "ETF error " + last.get("nc2_etf_err"));
        assertTrue((Double) last.get("nc4_agree") > 0.99, "agreement " + last.get("nc4_agree"));
        assertTrue((Double) last.get("nc3_dual_err") < 0.05, "duality error " + last.get("nc3_dual_err"));
        for (String name : new String[] {"nc1_pinv", "nc1_svd", "nc1_quot", "nc1_cdnv", "nc2_etf_err", "nc3_dual_err", "nc4_agree",
                "nc5_ood_dev"}) {
            assertTrue(last.get(name) instanceof Double, name + " present");
        }
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("<svg") && !html.contains("http://cdn") && !html.contains("<script src"), "self-contained");
        assertTrue(r.out().contains("NC1 fell"), r.out());
    }

    @Test
    void checkpointStepsAreLogSpaced() {
        List<Integer> s = Demo.checkpointSteps(3000, 16);
        assertEquals(16, s.size());
        assertEquals(0, s.get(0));
        assertEquals(3000, s.get(s.size() - 1));
    }
}
