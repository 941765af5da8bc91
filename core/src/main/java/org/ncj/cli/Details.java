package org.ncj.cli;

import java.util.LinkedHashMap;
import java.util.Map;

import org.ncj.accumulate.Means;
import org.ncj.analysis.Analysis;
import org.ncj.measure.Nc2Geometry;
import org.ncj.measure.Nc3Duality;
import org.ncj.measure.Nc4Agreement;
import org.ncj.report.ReportData;

/** Per-class detail for the report, computed from an analysis result. */
final class Details {
    /** Largest K whose full cosine matrix the report shows; above it, an evenly spaced sample. */
    static final int MAX_HEATMAP = 100;

    private Details() {
    }

    static ReportData.Detail of(String label, Analysis.Result r) {
        Means m = r.means();
        int[] sel = m.selected();
        int k = sel.length;
        int d = m.dim();
        double[] norms = Nc2Geometry.meanNorms(m);
        double[] agreement = null;
        if (r.agreement() != null) {
            double[] all = Nc4Agreement.agreementRates(r.agreement());
            agreement = new double[k];
            for (int i = 0; i < k; i++) {
                agreement[i] = all[sel[i]];
            }
        }
        int n = Math.min(k, MAX_HEATMAP);
        int[] pick = new int[n];
        int[] cls = new int[n];
        for (int i = 0; i < n; i++) {
            pick[i] = n == k ? i : (int) ((long) i * k / n);
            cls[i] = sel[pick[i]];
        }
        double[] centred = m.centred();
        double[] cos = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double dot = 0;
                int a = pick[i] * d;
                int b = pick[j] * d;
                for (int t = 0; t < d; t++) {
                    dot += centred[a + t] * centred[b + t];
                }
                double na = norms[pick[i]];
                double nb = norms[pick[j]];
                cos[i * n + j] = dot / (na * nb);
            }
        }
        return new ReportData.Detail(label, sel, norms, agreement, cls, cos);
    }

    /** Per-class table rows for {@code per_class.csv}. */
    static String csv(Analysis.Result r) {
        Means m = r.means();
        int k = m.numClasses();
        int[] sel = m.selected();
        Map<Integer, Integer> pos = new LinkedHashMap<>();
        for (int i = 0; i < sel.length; i++) {
            pos.put(sel[i], i);
        }
        double[] norms = Nc2Geometry.meanNorms(m);
        double[] sim = r.classifier() != null ? Nc3Duality.similarities(r.classifier(), m, false) : null;
        double[] simCos = r.classifier() != null ? Nc3Duality.similarities(r.classifier(), m, true) : null;
        double[] dist = r.classifier() != null ? Nc3Duality.distanceNorms(r.classifier(), m) : null;
        double[] agree = r.agreement() != null ? Nc4Agreement.agreementRates(r.agreement()) : null;
        StringBuilder sb = new StringBuilder(
                "class,count,selected,mean_norm,var_norm,similarity,similarity_cos,distance_norm,eval_count,agreement\n");
        for (int c = 0; c < k; c++) {
            Integer p = pos.get(c);
            sb.append(c).append(',').append(m.counts()[c]).append(',').append(p != null ? 1 : 0).append(',');
            sb.append(p != null ? num(norms[p]) : "").append(',');
            sb.append(m.isPresent(c) ? num(r.varNorms().values()[c]) : "").append(',');
            sb.append(p != null && sim != null ? num(sim[p]) : "").append(',');
            sb.append(p != null && simCos != null ? num(simCos[p]) : "").append(',');
            sb.append(p != null && dist != null ? num(dist[p]) : "").append(',');
            sb.append(r.agreement() != null ? Long.toString(r.agreement().counts()[c]) : "").append(',');
            sb.append(agree != null && Double.isFinite(agree[c]) ? num(agree[c]) : "").append('\n');
        }
        return sb.toString();
    }

    private static String num(double v) {
        return Double.isFinite(v) ? Double.toString(v) : "";
    }
}
