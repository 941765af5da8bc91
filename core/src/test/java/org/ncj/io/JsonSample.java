package org.ncj.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A document with every shape metrics.json uses, for the writer's byte-compatibility test. */
final class JsonSample {
    private JsonSample() {
    }

    static Map<String, Object> document() {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("nc1_pinv", 0.8172667938534147);
        metrics.put("nc1_svd", Double.NaN);
        metrics.put("nc2", Double.POSITIVE_INFINITY);
        metrics.put("tiny", Double.MIN_VALUE);
        metrics.put("big", -1.7976931348623157e308);
        metrics.put("third", 1.0 / 3);
        metrics.put("zero", -0.0);
        metrics.put("f", 0.1f);
        m.put("metrics", metrics);
        Map<String, Object> cls = new LinkedHashMap<>();
        cls.put("K", 10);
        cls.put("selected", 9L);
        cls.put("dropped", new int[] {3});
        cls.put("none", new int[0]);
        cls.put("counts", new long[] {1, -2, Long.MAX_VALUE});
        m.put("classes", cls);
        m.put("empty", new LinkedHashMap<>());
        m.put("emptyList", List.of());
        m.put("flag", true);
        m.put("nothing", null);
        m.put("s", "quote \" back \\ nl \n cr \r tab \t bell \u0007 del \u007f ü \u2028 \u2029 \u0085 \uD83D\uDE00 /");
        m.put("notes", List.of("a", "b"));
        m.put("vectors", List.of(new double[] {0.5, Double.NaN, 2}, new double[0]));
        List<Object> cps = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Map<String, Object> cp = new LinkedHashMap<>();
            cp.put("step", i * 10L);
            cp.put("loss", i == 0 ? Double.NaN : 0.25);
            cp.put("metrics", Map.of("nc1", 1e-300 * (i + 1)));
            cps.add(cp);
        }
        m.put("checkpoints", cps);
        List<Object> mixed = new ArrayList<>();
        mixed.add(1L);
        mixed.add("x");
        mixed.add(List.of(1.5, 2.5));
        mixed.add(Map.of());
        m.put("mixed", mixed);
        m.put("nested", List.of(List.of(), List.of(List.of(1L))));
        return m;
    }
}
