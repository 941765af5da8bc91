package org.ncj.report;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tiny JSON writer and reader for {@code metrics.json}, with no dependency.
 *
 * <p>Writing: {@link Map} (keys as strings, in iteration order), {@link Iterable}, arrays of
 * {@code double}, {@code long}, {@code int}, {@link String}, {@link Number}, {@link Boolean} and
 * null. Doubles are written with {@link Double#toString}, which round-trips exactly; NaN and
 * infinities, which JSON cannot hold, are written as {@code null}.
 *
 * <p>Reading: objects become {@code LinkedHashMap<String, Object>}, arrays {@code List<Object>},
 * numbers {@link Double} (exact for what the writer wrote), and null {@code null}.
 */
public final class JsonText {
    private JsonText() {
    }

    /** The value as indented JSON text (two spaces, numbers arrays on one line). */
    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 0);
        sb.append('\n');
        return sb.toString();
    }

    private static void indent(StringBuilder sb, int level) {
        sb.append('\n');
        sb.append("  ".repeat(level));
    }

    private static void write(StringBuilder sb, Object v, int level) {
        switch (v) {
            case null -> sb.append("null");
            case String s -> quote(sb, s);
            case Boolean b -> sb.append(b);
            case Double d -> number(sb, d);
            case Float f -> number(sb, f.doubleValue());
            case Number n -> sb.append(n.longValue());
            case double[] a -> {
                sb.append('[');
                for (int i = 0; i < a.length; i++) {
                    if (i > 0) {
                        sb.append(", ");
                    }
                    number(sb, a[i]);
                }
                sb.append(']');
            }
            case long[] a -> {
                sb.append('[');
                for (int i = 0; i < a.length; i++) {
                    sb.append(i > 0 ? ", " : "").append(a[i]);
                }
                sb.append(']');
            }
            case int[] a -> {
                sb.append('[');
                for (int i = 0; i < a.length; i++) {
                    sb.append(i > 0 ? ", " : "").append(a[i]);
                }
                sb.append(']');
            }
            case Map<?, ?> m -> {
                if (m.isEmpty()) {
                    sb.append("{}");
                    return;
                }
                sb.append('{');
                Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
                while (it.hasNext()) {
                    Map.Entry<?, ?> e = it.next();
                    indent(sb, level + 1);
                    quote(sb, String.valueOf(e.getKey()));
                    sb.append(": ");
                    write(sb, e.getValue(), level + 1);
                    if (it.hasNext()) {
                        sb.append(',');
                    }
                }
                indent(sb, level);
                sb.append('}');
            }
            case Iterable<?> it -> {
                List<Object> items = new ArrayList<>();
                it.forEach(items::add);
                boolean flat = items.stream().allMatch(o -> o == null || o instanceof Number || o instanceof String
                        || o instanceof Boolean || o instanceof double[]);
                sb.append('[');
                for (int i = 0; i < items.size(); i++) {
                    if (flat) {
                        sb.append(i > 0 ? ", " : "");
                    } else {
                        indent(sb, level + 1);
                    }
                    write(sb, items.get(i), level + 1);
                    if (!flat && i + 1 < items.size()) {
                        sb.append(',');
                    }
                }
                if (!flat && !items.isEmpty()) {
                    indent(sb, level);
                }
                sb.append(']');
            }
            default -> throw new IllegalArgumentException("cannot write " + v.getClass().getName() + " as JSON");
        }
    }

    private static void number(StringBuilder sb, double d) {
        if (Double.isFinite(d)) {
            sb.append(Double.toString(d));
        } else {
            sb.append("null");
        }
    }

    /** Appends {@code s} as a JSON string literal. */
    public static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    // ------------------------------------------------------------------ reading

    /**
     * Parses one JSON value with the project's one JSON reader ({@link org.ncj.io.Json}), numbers
     * as {@code Double} and null as {@code null}; throws IllegalArgumentException naming the offset
     * of a problem.
     */
    public static Object parse(String s) {
        return toDoubles(org.ncj.io.Json.parse(s));
    }

    private static Object toDoubles(Object v) {
        if (v == org.ncj.io.Json.NULL) {
            return null;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof java.util.Map<?, ?> m) {
            java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
            m.forEach((k, x) -> out.put((String) k, toDoubles(x)));
            return out;
        }
        if (v instanceof java.util.List<?> l) {
            java.util.List<Object> out = new java.util.ArrayList<>(l.size());
            for (Object x : l) {
                out.add(toDoubles(x));
            }
            return out;
        }
        return v;
    }
}
