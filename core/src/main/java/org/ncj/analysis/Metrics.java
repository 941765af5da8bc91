package org.ncj.analysis;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;

import org.ncj.DType;
import org.ncj.io.Json;
import org.ncj.measure.MetricSet;

/**
 * The measures of an analysis: name → value in the fixed order of {@link MetricSet} (the names of
 * {@code docs/METRICS.md}: {@code nc1_pinv}, ..., {@code nc5_ood_dev}), only those the inputs
 * allowed, with notes on values the working precision could not give
 * ({@link MetricSet#precisionNotes}). NaN and infinite values stay as they are here; JSON, which
 * cannot hold them, gets {@code null}.
 */
public final class Metrics {
    private final Map<String, Double> values;
    private final List<String> notes;

    private Metrics(Map<String, Double> values, List<String> notes) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.notes = List.copyOf(notes);
    }

    /** The measures {@link MetricSet#compute} gave, with the precision notes of {@code dtype}. */
    public static Metrics of(Map<String, Double> values, DType dtype) {
        return new Metrics(values, MetricSet.precisionNotes(values, dtype));
    }

    /** Name → value in order (unmodifiable). */
    public Map<String, Double> asMap() {
        return values;
    }

    /** Whether the inputs allowed the measure {@code name}. */
    public boolean has(String name) {
        return values.containsKey(name);
    }

    /** The value of {@code name} (NaN where it could not be computed). */
    public double get(String name) {
        Double v = values.get(name);
        if (v == null) {
            throw new NoSuchElementException("no measure " + name + " (computed: " + String.join(", ", values.keySet()) + ")");
        }
        return v;
    }

    /** Notes on the values (empty when every value is as trustworthy as its precision allows). */
    public List<String> notes() {
        return notes;
    }

    /**
     * The measures as a JSON object, exactly as the {@code "metrics"} object of the command
     * line's {@code metrics.json} (written with {@link Json#write}: one entry a line, non-finite
     * values as null, a final newline).
     */
    public String toJson() {
        return Json.write(values);
    }

    /**
     * The measures of a JSON object as {@link #toJson()} writes it ({@code null} read as NaN),
     * without notes.
     *
     * @throws IllegalArgumentException when the text is not an object of numbers and nulls
     */
    public static Metrics fromJson(String json) {
        Object o = Json.parseNumbersAsDoubles(json);
        if (!(o instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("metrics JSON must be an object of name: number");
        }
        Map<String, Double> v = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            Object x = e.getValue();
            if (x == Json.NULL || x == null) {
                v.put((String) e.getKey(), Double.NaN);
            } else if (x instanceof Number n) {
                v.put((String) e.getKey(), n.doubleValue());
            } else {
                throw new IllegalArgumentException("metric " + e.getKey() + " is not a number or null");
            }
        }
        return new Metrics(v, new ArrayList<>());
    }

    /** Same names, order and values (NaN equal to NaN) and notes. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Metrics m && m.values.equals(values) && m.notes.equals(notes)
                && List.copyOf(m.values.keySet()).equals(List.copyOf(values.keySet()));
    }

    @Override
    public int hashCode() {
        return Objects.hash(values, notes);
    }

    @Override
    public String toString() {
        return values + (notes.isEmpty() ? "" : " notes " + notes);
    }
}
