package org.ncj.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The report's choices that do not need a browser to check (ReportBrowserTest measures the laid-out
 * page where Chromium is installed).
 */
class HtmlReportTest {

    private static ReportData.Point point(String label, double nc1, double etf, double dual) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("nc1_pinv", nc1);
        m.put("nc1_svd", nc1);
        m.put("nc2_etf_err", etf);
        m.put("nc3_dual_err", dual);
        m.put("nc4_agree", 0.5 + etf);
        return new ReportData.Point(label, m);
    }

    private static String render(List<ReportData.Point> points) {
        return HtmlReport.render(new ReportData("t", "checkpoint", points, List.of(), List.of(), Map.of()));
    }

    @Test
    void valuesSpanningDecadesGetALogAxisOthersALinearOne() {
        String html = render(List.of(point("step 0", 18, 0.45, 1.46), point("step 540", 0.004, 0.09, 0.09),
                point("step 3000", 8e-12, 4e-5, 6e-5)));
        assertTrue(html.contains("NC2 and NC3: ETF error and duality error (log scale)"), "NC2/NC3 from 0.45 to 4e-5");
        assertTrue(html.contains("NC4 and NC5: classifier agreement and OOD deviation</b>"), "agreement 0.5..0.95 stays linear");
        assertTrue(html.contains(">10⁻⁵<"), "decade ticks as powers of ten");
    }

    @Test
    void coincidentSeriesAreDrawnDifferently() {
        String html = render(List.of(point("step 0", 18, 0.45, 1.46), point("step 3000", 8e-12, 4e-5, 6e-5)));
        int pinv = html.indexOf("data-series=\"nc1_pinv\" fill=\"none\"");
        int svd = html.indexOf("data-series=\"nc1_svd\" fill=\"none\"");
        assertTrue(pinv > 0 && svd > pinv, "both lines drawn, the second on top");
        String pinvLine = html.substring(pinv, html.indexOf("/>", pinv));
        String svdLine = html.substring(svd, html.indexOf("/>", svd));
        assertTrue(pinvLine.contains("stroke-width=\"4.0\"") && !pinvLine.contains("dasharray"), pinvLine);
        assertTrue(svdLine.contains("stroke-width=\"2.5\"") && svdLine.contains("stroke-dasharray"), svdLine);
    }

    @Test
    void aSingleInputIsNotHeadedAcrossInputs() {
        String html = render(List.of(point("small", 0.8, 0.44, 0.46)));
        assertTrue(html.contains("<h2>Measures of small</h2>"), "heading");
        assertFalse(html.contains("Across"), "no 'Across' for one input");
    }

    @Test
    void xLabelsAreThinnedSoThatTheirExtentsDoNotMeet() {
        List<String> l = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            l.add((i < 16 ? "demo@" : "seed2@") + (int) Math.pow(1.7, i % 16));
        }
        String[] labels = l.toArray(String[]::new);
        double spacing = 414.0 / 31;
        List<Integer> shown = HtmlReport.thinned(labels, spacing);
        assertEquals(0, shown.get(0));
        assertEquals(31, shown.get(shown.size() - 1));
        for (int i = 0; i + 1 < shown.size(); i++) {
            int a = shown.get(i);
            int b = shown.get(i + 1);
            double right = a * spacing + labels[a].length() * 6.8 / 2;
            // the last label is anchored at its end, the others centred
            double left = b == 31 ? b * spacing - labels[b].length() * 6.8 : b * spacing - labels[b].length() * 6.8 / 2;
            assertTrue(left - right >= 10, labels[a] + " and " + labels[b] + " are " + (left - right) + " px apart");
        }
    }

    @Test
    void theDefinitionsTravelWithTheReport() {
        String html = render(List.of(point("small", 0.8, 0.44, 0.46)));
        assertTrue(html.contains("id=\"definitions\""), "definitions section");
        assertTrue(html.contains("Golden cases and tolerances"), "docs/METRICS.md in full");
    }
}
