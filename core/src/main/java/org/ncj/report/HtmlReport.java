package org.ncj.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders a {@link ReportData} as one self-contained HTML page: inline CSS, inline SVG drawn here,
 * and a small inline script that only checks the plots and sets the title to
 * {@value #OK_TITLE} (so a headless browser can tell that the page ran without script errors).
 * No network access, no external library.
 */
public final class HtmlReport {
    public static final String OK_TITLE = "ncj-report-ok";

    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b",
            "#e377c2"};
    private static final int W = 520;
    private static final int H = 300;
    private static final int ML = 70;
    private static final int MR = 20;
    private static final int MT = 20;
    private static final int MB = 60;
    /** Above this many classes, per-class agreement is shown as a histogram instead of one bar per class. */
    private static final int MAX_BARS = 200;

    private final StringBuilder sb = new StringBuilder();
    private int plotId;

    private HtmlReport() {
    }

    public static String render(ReportData data) {
        return new HtmlReport().page(data);
    }

    private String page(ReportData d) {
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>")
                .append(esc(d.title())).append("</title>\n<meta name=\"viewport\" content=\"width=device-width\">\n<style>\n")
                .append(CSS).append("</style></head><body>\n");
        sb.append("<h1>").append(esc(d.title())).append("</h1>\n");
        for (String n : d.notes()) {
            sb.append("<p class=\"note\">").append(esc(n)).append("</p>\n");
        }
        if (!d.info().isEmpty()) {
            sb.append("<table class=\"info\">");
            for (Map.Entry<String, String> e : d.info().entrySet()) {
                sb.append("<tr><th>").append(esc(e.getKey())).append("</th><td>").append(esc(e.getValue())).append("</td></tr>");
            }
            sb.append("</table>\n");
        }
        sb.append(INTRO);
        summary(d);

        List<String> names = d.metricNames();
        if (d.points().size() == 1) {
            sb.append("<h2>Measures of ").append(esc(d.points().get(0).label())).append("</h2>\n<div class=\"grid\">\n");
        } else {
            sb.append("<h2>Across ").append(d.points().size()).append(' ').append(esc(d.xTitle())).append("s</h2>\n<div class=\"grid\">\n");
        }
        figure(d, "NC1: within-class variability",
                "Each class's samples shrink onto their class mean relative to the spread between the means. Lower is more collapsed.",
                filter(names, "nc1_pinv", "nc1_svd", "nc1_quot", "nc1_cdnv"), Axis.LOG);
        figure(d, "NC2 and NC3: ETF error and duality error",
                "Distance of the centred class means from a simplex equiangular tight frame (NC2), and of the classifier from those means (NC3). 0 is a perfect frame.",
                filter(names, "nc2_etf_err", "nc3_dual_err", "nc2_equinorm_means", "nc2_maxangle"), Axis.AUTO);
        figure(d, "NC4 and NC5: classifier agreement and OOD deviation",
                "NC4: how often the linear classifier and the nearest-class-centre rule agree (→ 1). NC5: |cos| of class means with the mean of out-of-distribution data (→ 0).",
                filter(names, "nc4_agree", "nc5_ood_dev"), Axis.AUTO);
        sb.append("</div>\n");

        details(d.details());
        table(d, names);
        allValues(d, names);
        definitions();
        sb.append("<p class=\"foot\" id=\"ncj-status\">Report written by ncj; the page checks its own plots.</p>\n");
        sb.append(SCRIPT.replace("@OK@", OK_TITLE));
        sb.append("</body></html>\n");
        return sb.toString();
    }

    private static List<String> filter(List<String> names, String... wanted) {
        List<String> r = new ArrayList<>();
        for (String w : wanted) {
            if (names.contains(w)) {
                r.add(w);
            }
        }
        return r;
    }

    private void summary(ReportData d) {
        if (d.points().isEmpty()) {
            return;
        }
        ReportData.Point first = d.points().get(0);
        ReportData.Point last = d.points().get(d.points().size() - 1);
        sb.append("<div class=\"cards\">");
        for (String n : new String[] {"nc1_pinv", "nc2_etf_err", "nc3_dual_err", "nc4_agree", "nc5_ood_dev"}) {
            Double v = last.metrics().get(n);
            if (v == null) {
                continue;
            }
            sb.append("<div class=\"card\"><div class=\"k\">").append(n).append("</div><div class=\"v\">").append(fmt(v))
                    .append("</div>");
            if (d.points().size() > 1 && first.metrics().get(n) != null) {
                sb.append("<div class=\"s\">").append(esc(first.label())).append(": ").append(fmt(first.metrics().get(n)))
                        .append("</div>");
            }
            sb.append("</div>");
        }
        sb.append("</div>\n");
    }

    // ------------------------------------------------------------------ line charts

    private void figure(ReportData d, String title, String caption, List<String> series, Axis axis) {
        if (series.isEmpty()) {
            return;
        }
        boolean log = axis == Axis.LOG || axis == Axis.AUTO && spansDecades(d, series);
        sb.append("<figure><figcaption><b>").append(esc(title)).append(log ? " (log scale)" : "").append("</b><br>")
                .append(esc(caption)).append("</figcaption>\n");
        if (d.points().size() == 1) {
            valueBars(d.points().get(0), series, log);
        } else {
            lineChart(d, series, log);
        }
        sb.append("</figure>\n");
    }

    /** How a figure's value axis is chosen. */
    private enum Axis {
        LINEAR, LOG,
        /** Log where every value is positive and they span at least {@value #DECADES} decades. */
        AUTO
    }

    /** Orders of magnitude across which a linear axis flattens the small values into zero. */
    private static final int DECADES = 2;

    private static boolean spansDecades(ReportData d, List<String> series) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = 0;
        for (ReportData.Point p : d.points()) {
            for (String s : series) {
                Double v = p.metrics().get(s);
                if (v == null || !Double.isFinite(v)) {
                    continue;
                }
                if (v <= 0) {
                    return false;
                }
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        return lo < hi && hi / lo >= Math.pow(10, DECADES);
    }

    /** Line widths, dash patterns and marker sizes by series: coincident series stay visible (wider ones below). */
    private static final double[] LINE_WIDTH = {4, 2.5, 2, 1.5};
    private static final String[] DASH = {"", "7 4", "2 3", "9 3 2 3"};
    private static final double[] MARKER = {5.5, 4, 3.2, 2.6};
    /** Average advance of a character of the 11 px axis font (DejaVu Sans), with a margin. */
    private static final double CHAR_W = 6.8;
    /** Plot height of the line charts (the legend comes below). */
    private static final int PH = 220;

    private void lineChart(ReportData d, List<String> series, boolean log) {
        int n = d.points().size();
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (ReportData.Point p : d.points()) {
            for (String s : series) {
                Double v = p.metrics().get(s);
                if (v != null && Double.isFinite(v) && (!log || v > 0)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        int yB = MT + PH;
        int legendTop = yB + 56;
        int rows = (series.size() + 1) / 2;
        openSvg(W, legendTop + 22 * rows);
        if (!(lo <= hi)) {
            text(W / 2.0, yB / 2.0, "no finite values", "middle", "axis");
            closeSvg();
            return;
        }
        Scale ys = log ? Scale.log(lo, hi, yB, MT) : Scale.linear(Math.min(0, lo), hi, yB, MT);
        double x0 = ML + 8;
        double x1 = W - MR - 8;
        java.util.function.IntToDoubleFunction xs = i -> x0 + (x1 - x0) * i / (n - 1);
        axes(ys, ML, W - MR, yB);
        String[] labels = new String[n];
        for (int i = 0; i < n; i++) {
            labels[i] = shorten(d.points().get(i).label());
        }
        String prefix = commonWordPrefix(labels);
        for (int i = 0; i < n; i++) {
            labels[i] = labels[i].substring(prefix.length());
        }
        for (int i : thinned(labels, (x1 - x0) / (n - 1))) {
            double x = xs.applyAsDouble(i);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" class=\"tick\"/>", x, x, yB, yB + 4));
            double half = labels[i].length() * CHAR_W / 2;
            text(x, yB + 19, labels[i], x + half > W - 2 ? "end" : x - half < 2 ? "start" : "middle", "axis");
        }
        text((ML + W - MR) / 2.0, yB + 38, prefix.isEmpty() ? d.xTitle() : prefix.trim(), "middle", "axis title");
        for (int s = 0; s < series.size(); s++) {
            String name = series.get(s);
            String col = COLOURS[s % COLOURS.length];
            int style = Math.min(s, LINE_WIDTH.length - 1);
            StringBuilder path = new StringBuilder();
            boolean pen = false;
            for (int i = 0; i < n; i++) {
                Double v = d.points().get(i).metrics().get(name);
                if (v == null || !Double.isFinite(v) || (log && v <= 0)) {
                    pen = false;
                    continue;
                }
                if (i > 0 && !run(d.points().get(i).label()).equals(run(d.points().get(i - 1).label()))) {
                    pen = false; // checkpoints of another run (NAME@step): not one curve
                }
                path.append(pen ? " L" : " M").append(String.format(Locale.ROOT, "%.1f %.1f", xs.applyAsDouble(i), ys.map(v)));
                pen = true;
            }
            String dash = DASH[style].isEmpty() ? "" : " stroke-dasharray=\"" + DASH[style] + "\"";
            sb.append(String.format(Locale.ROOT, "<path class=\"mark line\" data-series=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"%s d=\"%s\"/>",
                    name, col, LINE_WIDTH[style], dash, path.toString().trim()));
            for (int i = 0; i < n; i++) {
                Double v = d.points().get(i).metrics().get(name);
                if (v == null || !Double.isFinite(v) || (log && v <= 0)) {
                    continue;
                }
                marker(s, xs.applyAsDouble(i), ys.map(v), col, name,
                        esc(name + " @ " + d.points().get(i).label() + ": " + fmt(v)));
            }
            double lx = ML + (s % 2) * 220;
            double ly = legendTop + 22 * (s / 2);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%.1f\"%s/>", lx,
                    lx + 30, ly - 4, ly - 4, col, LINE_WIDTH[style], dash));
            marker(s, lx + 15, ly - 4, col, null, null);
            text(lx + 38, ly, name, "start", "legend");
        }
        closeSvg();
    }

    /** A point's marker: circle, square, triangle, diamond by series, smaller for later series (drawn on top). */
    private void marker(int s, double x, double y, String col, String series, String title) {
        double r = MARKER[Math.min(s, MARKER.length - 1)];
        String attrs = (series == null ? "" : " class=\"mark\" data-series=\"" + series + "\"") + " fill=\"" + col + "\"";
        String tip = title == null ? "" : "<title>" + title + "</title>";
        String el = switch (s % 4) {
            case 0 -> String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\"%s>%s</circle>", x, y, r, attrs, tip);
            case 1 -> String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"%s>%s</rect>", x - r, y - r, 2 * r,
                    2 * r, attrs, tip);
            case 2 -> String.format(Locale.ROOT, "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\"%s>%s</polygon>", x, y - 1.3 * r,
                    x + 1.2 * r, y + r, x - 1.2 * r, y + r, attrs, tip);
            default -> String.format(Locale.ROOT, "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f\"%s>%s</polygon>", x,
                    y - 1.4 * r, x + 1.4 * r, y, x, y + 1.4 * r, x - 1.4 * r, y, attrs, tip);
        };
        sb.append(el);
    }

    /**
     * Indices of the x labels to draw: every k-th, so that none collide, and always the first and
     * the last (dropping the one before the last where the last, anchored at the plot's end, would
     * touch it).
     */
    static List<Integer> thinned(String[] labels, double spacing) {
        int n = labels.length;
        double widest = 0;
        for (String l : labels) {
            widest = Math.max(widest, l.length() * CHAR_W);
        }
        int every = Math.max(1, (int) Math.ceil((widest + 10) / spacing));
        List<Integer> r = new ArrayList<>();
        for (int i = 0; i < n; i += every) {
            r.add(i);
        }
        int last = n - 1;
        if (r.get(r.size() - 1) != last) {
            r.add(last);
        }
        // The last label ends at its point at most (anchored at the end), so it needs its full
        // width plus a gap to the right end of the one before.
        while (r.size() > 2) {
            int prev = r.get(r.size() - 2);
            double gap = (last - prev) * spacing - labels[prev].length() * CHAR_W / 2 - labels[last].length() * CHAR_W;
            if (gap >= 10) {
                break;
            }
            r.remove(r.size() - 2);
        }
        return r;
    }

    /** The run a point belongs to: "demo" of "demo@1693"; "" for labels without '@'. */
    private static String run(String label) {
        int at = label.lastIndexOf('@');
        return at < 0 ? "" : label.substring(0, at);
    }

    /** The longest prefix ending in a space shared by every label ("step "), or "". */
    static String commonWordPrefix(String[] labels) {
        if (labels.length == 0) {
            return "";
        }
        int sp = labels[0].lastIndexOf(' ');
        while (sp > 0) {
            String p = labels[0].substring(0, sp + 1);
            boolean all = true;
            for (String l : labels) {
                all &= l.startsWith(p) && l.length() > p.length();
            }
            if (all) {
                return p;
            }
            sp = labels[0].lastIndexOf(' ', sp - 1);
        }
        return "";
    }

    /** One point (a single input): a horizontal bar per metric, named on the left, its value at the end. */
    private void valueBars(ReportData.Point p, List<String> series, boolean log) {
        List<String> names = new ArrayList<>();
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (String s : series) {
            Double v = p.metrics().get(s);
            if (v != null && Double.isFinite(v) && (!log || v > 0)) {
                names.add(s);
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        int row = 30;
        int yB = MT + row * Math.max(1, names.size());
        openSvg(W, yB + 40);
        if (names.isEmpty()) {
            text(W / 2.0, yB / 2.0, "no finite values", "middle", "axis");
            closeSvg();
            return;
        }
        double x0 = 150;
        double x1 = W - MR - 70;
        Scale xsc = log ? Scale.log(lo, hi, x0, x1) : Scale.linear(Math.min(0, lo), Math.max(0, hi), x0, x1);
        double[] ticks = xsc.ticks();
        String[] tl = new String[ticks.length];
        for (int i = 0; i < ticks.length; i++) {
            tl[i] = xsc.label(ticks[i]);
        }
        List<Integer> shown = ticks.length > 1 ? thinned(tl, (x1 - x0) / (ticks.length - 1)) : List.of(0);
        for (int i = 0; i < ticks.length; i++) {
            double x = xsc.map(ticks[i]);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" class=\"grid\"/>", x, x, MT, yB));
            if (shown.contains(i)) {
                text(x, yB + 16, tl[i], "middle", "axis");
            }
        }
        double base = log ? x0 : xsc.map(0);
        for (int i = 0; i < names.size(); i++) {
            double v = p.metrics().get(names.get(i));
            double x = xsc.map(v);
            double y = MT + i * row + 6;
            String col = COLOURS[series.indexOf(names.get(i)) % COLOURS.length];
            sb.append(String.format(Locale.ROOT,
                    "<rect class=\"mark\" data-series=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>%s: %s</title></rect>",
                    names.get(i), Math.min(x, base), y, Math.max(1, Math.abs(x - base)), row - 12, col, names.get(i), fmt(v)));
            text(x0 - 8, y + row / 2.0 - 2, names.get(i), "end", "legend");
            text(Math.max(x, base) + 5, y + row / 2.0 - 2, fmt(v), "start", "legend");
        }
        sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" class=\"frame\"/>", base, base, MT, yB));
        text((x0 + x1) / 2, yB + 34, log ? "value (log scale)" : "value", "middle", "axis title");
        closeSvg();
    }

    /** Horizontal grid lines with labelled ticks on the y axis, and the frame. */
    private void axes(Scale ys, double x0, double x1, double yB) {
        for (double t : ys.ticks()) {
            double y = ys.map(t);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>", x0, x1, y, y));
            text(x0 - 6, y + 4, ys.label(t), "end", "axis");
        }
        sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"frame\"/>", x0, x1, yB, yB));
        sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%.1f\" class=\"frame\"/>", x0, x0, MT, yB));
    }

    /** A linear or log10 axis mapping values to pixels. */
    record Scale(double lo, double hi, double p0, double p1, boolean log, double step) {
        static Scale linear(double lo, double hi, double p0, double p1) {
            if (!(hi - lo > 1e-300 * Math.max(1, Math.abs(hi)))) {
                double pad = lo == 0 ? 1 : Math.abs(lo) * 0.1;
                lo -= pad;
                hi += pad;
            }
            double step = niceStep((hi - lo) / 5);
            return new Scale(Math.floor(lo / step) * step, Math.ceil(hi / step) * step, p0, p1, false, step);
        }

        /** A linear axis of counts: integer ticks. */
        static Scale counts(int max, double p0, double p1) {
            double step = Math.max(1, niceStep(Math.max(1, max) / 5.0));
            return new Scale(0, Math.max(step, Math.ceil(max / step) * step), p0, p1, false, step);
        }

        /** Whole decades around [lo, hi]. */
        static Scale log(double lo, double hi, double p0, double p1) {
            double a = Math.floor(Math.log10(lo));
            double b = Math.ceil(Math.log10(hi));
            if (b <= a) {
                b = a + 1;
            }
            return new Scale(a, b, p0, p1, true, Math.max(1, Math.ceil((b - a) / 8.0)));
        }

        double map(double v) {
            double t = log ? (Math.log10(v) - lo) / (hi - lo) : (v - lo) / (hi - lo);
            return p0 + (p1 - p0) * t;
        }

        double[] ticks() {
            List<Double> t = new ArrayList<>();
            if (log) {
                for (double e = lo; e <= hi + 1e-9; e += step) {
                    t.add(Math.pow(10, e));
                }
            } else {
                for (double v = lo; v <= hi + step * 1e-9; v += step) {
                    t.add(Math.abs(v) < step * 1e-9 ? 0 : v);
                }
            }
            return t.stream().mapToDouble(Double::doubleValue).toArray();
        }

        /** A tick's label: 10ⁿ on a log axis, else as many decimals as the step needs. */
        String label(double v) {
            if (log) {
                return decade((int) Math.round(Math.log10(v)));
            }
            if (v == 0) {
                return "0";
            }
            double a = Math.max(Math.abs(lo), Math.abs(hi));
            if (a >= 1e5 || step < 1e-4) {
                int digits = Math.max(0, (int) Math.ceil(Math.log10(a / step)) - 1);
                return String.format(Locale.ROOT, "%." + Math.min(digits, 6) + "e", v).replace("e-0", "e-").replace("e+0", "e").replace("e+", "e");
            }
            int decimals = Math.max(0, (int) -Math.floor(Math.log10(step) + 1e-9));
            return String.format(Locale.ROOT, "%." + decimals + "f", v);
        }

        static double niceStep(double raw) {
            if (!(raw > 0) || !Double.isFinite(raw)) {
                return 1;
            }
            double p = Math.pow(10, Math.floor(Math.log10(raw)));
            double f = raw / p;
            return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
        }
    }

    /** 10 with a superscript exponent: 10⁻⁵, 10⁰, 10³. */
    static String decade(int e) {
        String sup = "⁰¹²³⁴⁵⁶⁷⁸⁹";
        StringBuilder b = new StringBuilder("10");
        if (e < 0) {
            b.append('⁻');
        }
        for (char c : Integer.toString(Math.abs(e)).toCharArray()) {
            b.append(sup.charAt(c - '0'));
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ per-class detail

    private void details(List<ReportData.Detail> dets) {
        if (dets.isEmpty()) {
            return;
        }
        StringBuilder names = new StringBuilder();
        for (ReportData.Detail det : dets) {
            names.append(names.isEmpty() ? "" : " and ").append(det.label());
        }
        sb.append("<h2>Per class: ").append(esc(names.toString())).append("</h2>\n<div class=\"grid\">\n");
        for (ReportData.Detail det : dets) {
            sb.append("<figure><figcaption><b>Norms of the centred class means ‖μ_c − μ_G‖ — ").append(esc(det.label()))
                    .append("</b><br>Under collapse (NC2) every class mean sits at the same distance from the global mean: one narrow bar.</figcaption>\n");
            histogram(det.meanNorms(), "‖m̃_c‖");
            sb.append("</figure>\n");
        }
        if (dets.size() > 1) {
            sb.append("</div><div class=\"grid\">\n");
        }
        for (ReportData.Detail det : dets) {
            int n = det.cosineClasses().length;
            sb.append("<figure><figcaption><b>Cosines between centred class means — ").append(esc(det.label())).append("</b><br>")
                    .append(String.format(Locale.ROOT,
                            "A simplex ETF has every off-diagonal cosine equal to −1/(K−1) = %s: a uniform pale-blue square with a red diagonal.",
                            fmt(-1.0 / Math.max(1, det.classes().length - 1))))
                    .append(n < det.classes().length ? " Showing an evenly spaced sample of " + n + " of " + det.classes().length + " classes." : "")
                    .append("</figcaption>\n");
            heatmap(det.cosines(), det.cosineClasses());
            sb.append("</figure>\n");
        }
        if (dets.size() > 1) {
            sb.append("</div><div class=\"grid\">\n");
        }
        for (ReportData.Detail det : dets) {
            if (det.agreement() != null && det.classes().length > MAX_BARS) {
                sb.append("<figure><figcaption><b>Per-class agreement (NC4) — ").append(esc(det.label())).append("</b><br>")
                        .append("Histogram over the ").append(det.classes().length)
                        .append(" classes of the share of each class's evaluation samples on which the linear classifier and the nearest class mean agree (→ 1 under collapse).</figcaption>\n");
                histogram(det.agreement(), "agreement rate", true);
                sb.append("</figure>\n");
            } else if (det.agreement() != null) {
                sb.append("<figure><figcaption><b>Per-class agreement (NC4) — ").append(esc(det.label())).append("</b><br>")
                        .append("Share of each class's evaluation samples on which the linear classifier and the nearest class mean agree (green: ≥ 0.99).</figcaption>\n");
                bars(det.agreement(), det.classes());
                sb.append("</figure>\n");
            }
        }
        sb.append("</div>\n");
    }

    private void histogram(double[] v, String what) {
        histogram(v, what, false);
    }

    private void histogram(double[] v, String what, boolean unit) {
        double[] f = Arrays.stream(v).filter(Double::isFinite).toArray();
        openSvg(W, H + 12);
        if (f.length == 0) {
            text(W / 2.0, H / 2.0, "no values", "middle", "axis");
            closeSvg();
            return;
        }
        double lo = Arrays.stream(f).min().orElseThrow();
        double hi = Arrays.stream(f).max().orElseThrow();
        if (unit) {
            lo = 0;
            hi = 1.0 + 1e-9;
        } else if (lo >= 0) { // norms: from 0, so that equal norms show as one narrow bar
            lo = 0;
            hi *= 1.05;
        }
        if (hi - lo <= 1e-12 * Math.max(1, Math.abs(hi))) {
            double pad = Math.max(Math.abs(hi) * 0.05, 1e-12);
            lo -= pad;
            hi += pad;
        }
        int bins = Math.max(20, Math.min(40, (int) Math.ceil(Math.sqrt(f.length)) + 2));
        int[] c = new int[bins];
        for (double x : f) {
            c[Math.min(bins - 1, (int) ((x - lo) / (hi - lo) * bins))]++;
        }
        int cmax = Arrays.stream(c).max().orElse(1);
        int yB = H - MB + MT;
        Scale ys = Scale.counts(cmax, yB, MT);
        axes(ys, ML, W - MR, yB);
        double bw = (double) (W - MR - ML) / bins;
        for (int b = 0; b < bins; b++) {
            double y = ys.map(c[b]);
            double a = lo + (hi - lo) * b / bins;
            sb.append(String.format(Locale.ROOT,
                    "<rect class=\"mark\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#1f77b4\"><title>[%s, %s): %d classes</title></rect>",
                    ML + b * bw + 0.5, y, Math.max(0.5, bw - 1), ys.map(0) - y, fmt(a), fmt(a + (hi - lo) / bins), c[b]));
        }
        Scale xsc = Scale.linear(lo, hi, ML, W - MR);
        List<Double> inside = new ArrayList<>();
        for (double t : xsc.ticks()) {
            if (t >= lo - 1e-12 * Math.abs(hi - lo) && t <= hi + 1e-12 * Math.abs(hi - lo)) {
                inside.add(t);
            }
        }
        String[] tl = new String[inside.size()];
        for (int i = 0; i < tl.length; i++) {
            tl[i] = xsc.label(inside.get(i));
        }
        double spacing = inside.size() > 1 ? (inside.get(1) - inside.get(0)) / (hi - lo) * (W - MR - ML) : W;
        for (int i : tl.length == 0 ? List.<Integer>of() : thinned(tl, spacing)) {
            double x = ML + (inside.get(i) - lo) / (hi - lo) * (W - MR - ML);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" class=\"tick\"/>", x, x, yB, yB + 4));
            text(x, yB + 19, tl[i], "middle", "axis");
        }
        text((ML + W - MR) / 2.0, yB + 38, what + " (" + f.length + " classes; bars count classes)", "middle", "axis title");
        text(16, (MT + yB) / 2.0, "classes", "middle", "axis title", "rotate(-90 16 " + (MT + yB) / 2 + ")");
        closeSvg();
    }

    private void heatmap(double[] cos, int[] classes) {
        int n = classes.length;
        int size = 380;
        double cell = (double) size / Math.max(1, n);
        openSvg(size + 120, size + 40);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double v = cos[i * n + j];
                sb.append(String.format(Locale.ROOT,
                        "<rect class=\"mark\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\">%s</rect>", 30 + j * cell,
                        10 + i * cell, cell + 0.05, cell + 0.05, diverging(v),
                        n <= 40 ? "<title>cos(" + classes[i] + ", " + classes[j] + ") = " + fmt(v) + "</title>" : ""));
            }
        }
        // colour bar
        for (int s = 0; s < 40; s++) {
            double v = 1 - 2.0 * s / 39;
            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%.1f\" width=\"16\" height=\"%.1f\" fill=\"%s\"/>", size + 50,
                    10 + s * size / 40.0, size / 40.0 + 0.3, diverging(v)));
        }
        text(size + 72, 20, "+1", "start", "axis");
        text(size + 72, 10 + size / 2.0 + 4, "0", "start", "axis");
        text(size + 72, 10 + size, "−1", "start", "axis");
        text(30 + size / 2.0, size + 30, "classes " + (n <= 20 ? Arrays.toString(classes) : classes[0] + " … " + classes[n - 1]),
                "middle", "axis");
        closeSvg();
    }

    private static String diverging(double v) {
        if (!Double.isFinite(v)) {
            return "#888888";
        }
        double t = Math.max(-1, Math.min(1, v));
        int r;
        int g;
        int b;
        if (t >= 0) { // white -> red
            r = 255;
            g = (int) Math.round(255 - 200 * t);
            b = (int) Math.round(255 - 215 * t);
        } else { // white -> blue
            double u = -t;
            r = (int) Math.round(255 - 225 * u);
            g = (int) Math.round(255 - 155 * u);
            b = 255 - (int) Math.round(75 * u);
        }
        return String.format("#%02x%02x%02x", r, g, b);
    }

    private void bars(double[] v, int[] classes) {
        int n = v.length;
        openSvg(W, H);
        Scale ys = Scale.linear(0, 1, MT + H - MB, MT);
        axes(ys, ML, W - MR, H - MB + MT);
        double bw = (double) (W - MR - ML) / Math.max(1, n);
        for (int i = 0; i < n; i++) {
            double x = ML + i * bw;
            if (!Double.isFinite(v[i])) {
                sb.append(String.format(Locale.ROOT, "<rect class=\"mark\" x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"2\" fill=\"#bbbbbb\"><title>class %d: no evaluation samples</title></rect>",
                        x, H - MB + MT - 2, Math.max(0.3, bw * 0.85), classes[i]));
                continue;
            }
            double y = ys.map(v[i]);
            sb.append(String.format(Locale.ROOT, "<rect class=\"mark\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"%s\"><title>class %d: %s</title></rect>",
                    x, y, Math.max(0.3, bw * 0.85), Math.max(0.5, ys.map(0) - y), v[i] >= 0.99 ? "#2ca02c" : "#ff7f0e",
                    classes[i], fmt(v[i])));
        }
        text((ML + W - MR) / 2.0, H - MB + MT + 20, "class (" + n + " classes" + (n > 0 ? ", " + classes[0] + " … " + classes[n - 1] : "") + ")",
                "middle", "axis");
        closeSvg();
    }

    // ------------------------------------------------------------------ tables

    private void table(ReportData d, List<String> names) {
        int n = d.points().size();
        List<Integer> cols = new ArrayList<>();
        if (n <= 6) {
            for (int i = 0; i < n; i++) {
                cols.add(i);
            }
        } else {
            cols.add(0);
            cols.add(n / 2);
            cols.add(n - 1);
        }
        sb.append("<h2>Every value</h2>\n<table class=\"values\"><thead><tr><th>metric</th>");
        for (int c : cols) {
            sb.append("<th>").append(esc(d.points().get(c).label())).append("</th>");
        }
        sb.append("<th>definition</th></tr></thead><tbody>\n");
        for (String name : names) {
            sb.append("<tr><td class=\"name\">").append(esc(name)).append("</td>");
            for (int c : cols) {
                Double v = d.points().get(c).metrics().get(name);
                sb.append("<td class=\"num\">").append(v == null ? "—" : fmt(v)).append("</td>");
            }
            sb.append("<td>").append(esc(Definitions.of(name))).append("</td></tr>\n");
        }
        sb.append("</tbody></table>\n");
    }

    private void allValues(ReportData d, List<String> names) {
        if (d.points().size() <= 6) {
            return;
        }
        sb.append("<details><summary>All ").append(d.points().size()).append(" ").append(esc(d.xTitle()))
                .append("s</summary><div class=\"scroll\"><table class=\"values\"><thead><tr><th>")
                .append(esc(d.xTitle())).append("</th>");
        for (String name : names) {
            sb.append("<th>").append(esc(name)).append("</th>");
        }
        sb.append("</tr></thead><tbody>\n");
        for (ReportData.Point p : d.points()) {
            sb.append("<tr><td class=\"name\">").append(esc(p.label())).append("</td>");
            for (String name : names) {
                Double v = p.metrics().get(name);
                sb.append("<td class=\"num\">").append(v == null ? "—" : fmt(v)).append("</td>");
            }
            sb.append("</tr>\n");
        }
        sb.append("</tbody></table></div></details>\n");
    }

    /** The full definitions (docs/METRICS.md, packed into the jar), so that the report stands on its own. */
    private void definitions() {
        sb.append("<details id=\"definitions\"><summary>Exact definitions (<code>docs/METRICS.md</code> of ncj): formulas, "
                + "conventions, differences from the Python package, golden tolerances</summary>\n<pre class=\"md\">")
                .append(esc(metricsText())).append("</pre></details>\n");
    }

    static String metricsText() {
        try (var in = HtmlReport.class.getResourceAsStream("METRICS.md")) {
            if (in == null) {
                throw new IllegalStateException("METRICS.md is missing from the ncj jar (core/pom.xml packs docs/METRICS.md)");
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------ helpers

    private void openSvg(int w, int h) {
        sb.append(String.format(Locale.ROOT,
                "<svg class=\"plot\" id=\"plot%d\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\">",
                ++plotId, w, h, w, h));
    }

    private void closeSvg() {
        sb.append("</svg>\n");
    }

    private void text(double x, double y, String s, String anchor, String cls) {
        sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" class=\"%s\">%s</text>", x, y, anchor, cls,
                esc(s)));
    }

    private void text(double x, double y, String s, String anchor, String cls, String transform) {
        sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" class=\"%s\" transform=\"%s\">%s</text>", x, y,
                anchor, cls, transform, esc(s)));
    }

    private static String shorten(String s) {
        return s.length() > 16 ? s.substring(0, 15) + "…" : s;
    }

    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "∞" : "−∞";
        }
        if (v == 0) {
            return "0";
        }
        double a = Math.abs(v);
        if (a >= 1e-3 && a < 1e5) {
            return String.format(Locale.ROOT, "%.4g", v);
        }
        return String.format(Locale.ROOT, "%.3e", v);
    }

    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private static final String CSS = """
            body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:24px auto;max-width:1200px;color:#222;padding:0 16px}
            h1{font-size:1.6em;margin-bottom:4px}h2{font-size:1.25em;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}
            .note{color:#555;margin:4px 0}.intro{background:#f6f8fa;border:1px solid #e1e4e8;border-radius:6px;padding:8px 16px;margin:12px 0}
            .intro li{margin:3px 0}table.info{border-collapse:collapse;margin:8px 0;font-size:.9em}table.info th{text-align:left;padding:2px 12px 2px 0;color:#555;font-weight:normal}
            .cards{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}.card{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:140px}
            .card .k{color:#555;font-size:.85em}.card .v{font-size:1.4em;font-weight:600}.card .s{color:#888;font-size:.8em}
            .grid{display:flex;flex-wrap:wrap;gap:16px}figure{margin:0;border:1px solid #eee;border-radius:6px;padding:8px;width:540px;box-sizing:border-box}
            figcaption{font-size:.88em;color:#444;margin-bottom:6px}svg{display:block;max-width:100%;height:auto}
            .axis{font-size:11px;fill:#444}.axis.title{fill:#222}.legend{font-size:12px;fill:#222}.grid line,.gridline{stroke:#eee}line.grid{stroke:#e6e6e6}line.frame,line.tick{stroke:#888}
            table.values{border-collapse:collapse;font-size:.85em;margin-top:8px}table.values th,table.values td{border:1px solid #ddd;padding:3px 8px;vertical-align:top}
            table.values th{background:#f6f8fa}td.num{font-family:ui-monospace,"DejaVu Sans Mono",monospace;text-align:right;white-space:nowrap}td.name{font-family:ui-monospace,"DejaVu Sans Mono",monospace;white-space:nowrap}
            .scroll{overflow-x:auto}pre.md{white-space:pre-wrap;font-size:.82em;background:#f6f8fa;padding:8px 12px;border-radius:6px}.foot{color:#888;font-size:.8em;margin-top:24px}
            """;

    private static final String INTRO = """
            <div class="intro"><p><b>Neural collapse</b> is what happens to the last-layer features of a classifier trained past
            zero training error (Papyan, Han &amp; Donoho 2020): the features of each class shrink onto their class mean, and the
            class means spread out into the most symmetric configuration possible. This report measures it:</p><ul>
            <li><b>NC1</b> — within-class variability collapses: features of a class converge to the class mean (values → 0).</li>
            <li><b>NC2</b> — the centred class means form a <i>simplex equiangular tight frame</i> (ETF): equal norms and equal,
            maximal angles, every pairwise cosine −1/(K−1) (ETF error → 0).</li>
            <li><b>NC3</b> — the classifier's weight vectors align with the class means (duality error → 0).</li>
            <li><b>NC4</b> — the classifier becomes the nearest-class-centre rule (agreement → 1).</li>
            <li><b>NC5</b> — out-of-distribution data's mean becomes orthogonal to the class means (deviation → 0).</li></ul>
            <p>Hover over a point, bar or cell for its exact value. Every value is defined in the table at the end, and
            exactly (formulas, conventions) in <a href="#definitions">the definitions</a> below it.</p></div>
            """;

    private static final String SCRIPT = """
            <script>
            (function () {
              var plots = document.querySelectorAll('svg.plot');
              var empty = [];
              for (var i = 0; i < plots.length; i++) {
                if (plots[i].querySelectorAll('.mark').length === 0) { empty.push(plots[i].id); }
              }
              var status = document.getElementById('ncj-status');
              status.textContent = 'ncj report: ' + plots.length + ' plots' + (empty.length ? ', empty: ' + empty.join(' ') : ', all drawn');
              status.setAttribute('data-plots', String(plots.length));
              status.setAttribute('data-empty', String(empty.length));
              document.title = empty.length ? 'ncj-report-empty-plots' : '@OK@';
            })();
            </script>
            """;
}
