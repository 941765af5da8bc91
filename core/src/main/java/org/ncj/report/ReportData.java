package org.ncj.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one report shows: metric values across points (checkpoints, layers, models), and for some
 * points the per-class detail (centred-mean norms, pairwise cosines, agreement).
 *
 * @param title  page title
 * @param xTitle what the points are ("training step", "input")
 * @param points the series, in order
 * @param details per-class detail for some points (may be empty)
 * @param notes  free-text lines shown under the title (how the values were computed)
 * @param info   key/value facts (backend, dtype, inputs)
 */
public record ReportData(String title, String xTitle, List<Point> points, List<Detail> details, List<String> notes,
                         Map<String, String> info) {

    public record Point(String label, Map<String, Double> metrics) {
    }

    /**
     * Per-class detail of one point.
     *
     * @param classes       selected class ids
     * @param meanNorms     ‖m̃_c‖ per selected class
     * @param agreement     NC4 agreement rate per selected class (NaN where no evaluation samples), or null
     * @param cosineClasses the classes of the cosine matrix (all selected when K ≤ 100, else a sample)
     * @param cosines       row-major cos(m̃_i, m̃_j) over cosineClasses
     */
    public record Detail(String label, int[] classes, double[] meanNorms, double[] agreement, int[] cosineClasses,
                         double[] cosines) {

        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("label", label);
            m.put("classes", classes);
            m.put("mean_norms", meanNorms);
            if (agreement != null) {
                m.put("agreement", agreement);
            }
            m.put("cosine_classes", cosineClasses);
            m.put("cosines", cosines);
            return m;
        }

        @SuppressWarnings("unchecked")
        public static Detail fromJson(Object o, String labelOverride) {
            Map<String, Object> m = (Map<String, Object>) o;
            return new Detail(labelOverride != null ? labelOverride : String.valueOf(m.get("label")),
                    ints(m.get("classes")), doubles(m.get("mean_norms")),
                    m.containsKey("agreement") ? doubles(m.get("agreement")) : null, ints(m.get("cosine_classes")),
                    doubles(m.get("cosines")));
        }
    }

    static int[] ints(Object o) {
        List<?> l = (List<?>) o;
        int[] a = new int[l.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = ((Number) l.get(i)).intValue();
        }
        return a;
    }

    static double[] doubles(Object o) {
        List<?> l = (List<?>) o;
        double[] a = new double[l.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = l.get(i) == null ? Double.NaN : ((Number) l.get(i)).doubleValue();
        }
        return a;
    }

    /** Metric values of a JSON object (null as NaN). */
    public static Map<String, Double> metrics(Object o) {
        Map<String, Double> r = new LinkedHashMap<>();
        if (o instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                r.put(String.valueOf(e.getKey()), e.getValue() instanceof Number n ? n.doubleValue() : Double.NaN);
            }
        }
        return r;
    }

    /** Every metric name that any point has, in first-seen order. */
    public List<String> metricNames() {
        List<String> names = new ArrayList<>();
        for (Point p : points) {
            for (String n : p.metrics().keySet()) {
                if (!names.contains(n)) {
                    names.add(n);
                }
            }
        }
        return names;
    }
}
