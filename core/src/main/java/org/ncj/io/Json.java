package org.ncj.io;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.PrettyPrinter;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;

/**
 * The project's one JSON reader and writer (safetensors headers, {@code metrics.json}), on
 * jackson-core's streaming parser and generator.
 *
 * <p>Reading: objects become {@code LinkedHashMap<String, Object>} (a duplicate key is an error),
 * arrays {@code List<Object>}, integers {@code Long} (or {@code BigInteger} beyond 64 bits), other
 * numbers {@code Double}, null {@link #NULL}. Hostile text cannot exhaust time or memory: the
 * parser's {@link StreamReadConstraints} cap nesting at {@value #MAX_DEPTH}, a number at
 * {@value #MAX_NUMBER_LENGTH} characters and a string at {@value #MAX_STRING_LENGTH}, and no
 * number is ever expanded (an exponent such as {@code 1e999999999} is read as a double, infinite,
 * never as a decimal expansion).
 *
 * <p>Writing: {@link Map} (keys as strings, in iteration order), {@link Iterable}, arrays of
 * {@code double}, {@code long}, {@code int}, {@link String}, {@link Number}, {@link Boolean} and
 * null, indented by two spaces with arrays of scalars on one line. Doubles are written with
 * {@link Double#toString}, which round-trips exactly; NaN and infinities, which JSON cannot hold,
 * as {@code null}.
 */
public final class Json {
    /** Deepest nesting of arrays and objects read. */
    public static final int MAX_DEPTH = 64;
    /** Longest number read, in characters. */
    public static final int MAX_NUMBER_LENGTH = 100;
    /** Longest string read, in characters. */
    public static final int MAX_STRING_LENGTH = 1 << 20;

    /** JSON {@code null} in parsed values. */
    public static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_DEPTH)
                    .maxNumberLength(MAX_NUMBER_LENGTH)
                    .maxStringLength(MAX_STRING_LENGTH)
                    .maxNameLength(MAX_STRING_LENGTH)
                    .build())
            // Messages say where, never echo the (possibly hostile) text around it.
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            .build();

    private Json() {
    }

    /** Parses one JSON value; throws IllegalArgumentException saying what is wrong and where. */
    public static Object parse(String text) {
        return parse(text, false);
    }

    /**
     * Parses one JSON value with every number as a {@code Double} and null as {@code null} (the
     * form {@code metrics.json} is read in).
     */
    public static Object parseNumbersAsDoubles(String text) {
        return parse(text, true);
    }

    private static Object parse(String text, boolean doubles) {
        try (JsonParser p = FACTORY.createParser(text)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new IllegalArgumentException("no JSON value (empty text)");
            }
            Object v = value(p, t, doubles);
            if (p.nextToken() != null) {
                throw new IllegalArgumentException("trailing characters at offset " + p.currentTokenLocation().getCharOffset());
            }
            return v;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e.getOriginalMessage() + " at offset " + offset(e), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long offset(JsonProcessingException e) {
        return e.getLocation() == null ? -1 : e.getLocation().getCharOffset();
    }

    /** Recursion is bounded by {@link #MAX_DEPTH}: the parser refuses deeper nesting first. */
    private static Object value(JsonParser p, JsonToken t, boolean doubles) throws IOException {
        switch (t) {
            case START_OBJECT -> {
                Map<String, Object> m = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String k = p.currentName();
                    m.put(k, value(p, p.nextToken(), doubles));
                }
                return m;
            }
            case START_ARRAY -> {
                List<Object> l = new ArrayList<>();
                for (JsonToken x = p.nextToken(); x != JsonToken.END_ARRAY; x = p.nextToken()) {
                    l.add(value(p, x, doubles));
                }
                return l;
            }
            case VALUE_STRING -> {
                return p.getText();
            }
            case VALUE_NUMBER_INT -> {
                if (doubles) {
                    return p.getDoubleValue();
                }
                return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? (Object) p.getBigIntegerValue()
                        : (Object) p.getLongValue();
            }
            case VALUE_NUMBER_FLOAT -> {
                return p.getDoubleValue();
            }
            case VALUE_TRUE -> {
                return Boolean.TRUE;
            }
            case VALUE_FALSE -> {
                return Boolean.FALSE;
            }
            case VALUE_NULL -> {
                return doubles ? null : NULL;
            }
            default -> throw new IllegalArgumentException("unexpected " + t + " at offset " + p.currentTokenLocation().getCharOffset());
        }
    }

    /** True for an integer that does not fit 64 bits ({@code BigInteger} from {@link #parse}). */
    static boolean isBigInteger(Object v) {
        return v instanceof BigInteger;
    }

    // ------------------------------------------------------------------ writing

    /** The value as indented JSON text (two spaces, arrays of scalars on one line), ending in a newline. */
    public static String write(Object value) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            Layout layout = new Layout();
            g.setPrettyPrinter(layout);
            g.setCharacterEscapes(ESCAPES);
            write(g, layout, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.append('\n').toString();
    }

    /** A JSON string literal for {@code s}, escaped as {@link #write} escapes it. */
    public static String quote(String s) {
        String text = write(s);
        return text.substring(0, text.length() - 1);
    }

    private static void write(JsonGenerator g, Layout layout, Object v) throws IOException {
        switch (v) {
            case null -> g.writeNull();
            case String s -> g.writeString(s);
            case Boolean b -> g.writeBoolean(b);
            case Double d -> number(g, d);
            case Float f -> number(g, f.doubleValue());
            case Number n -> g.writeNumber(n.longValue());
            case double[] a -> {
                layout.next = true;
                g.writeStartArray();
                for (double x : a) {
                    number(g, x);
                }
                g.writeEndArray();
            }
            case long[] a -> {
                layout.next = true;
                g.writeStartArray();
                for (long x : a) {
                    g.writeNumber(x);
                }
                g.writeEndArray();
            }
            case int[] a -> {
                layout.next = true;
                g.writeStartArray();
                for (int x : a) {
                    g.writeNumber(x);
                }
                g.writeEndArray();
            }
            case Map<?, ?> m -> {
                g.writeStartObject();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    g.writeFieldName(String.valueOf(e.getKey()));
                    write(g, layout, e.getValue());
                }
                g.writeEndObject();
            }
            case Iterable<?> it -> {
                List<Object> items = new ArrayList<>();
                it.forEach(items::add);
                layout.next = (items.stream().allMatch(o -> o == null || o instanceof Number || o instanceof String
                        || o instanceof Boolean || o instanceof double[]));
                g.writeStartArray();
                for (Object o : items) {
                    write(g, layout, o);
                }
                g.writeEndArray();
            }
            default -> throw new IllegalArgumentException("cannot write " + v.getClass().getName() + " as JSON");
        }
    }

    private static void number(JsonGenerator g, double d) throws IOException {
        if (Double.isFinite(d)) {
            g.writeNumber(d);
        } else {
            g.writeNull();
        }
    }

    /**
     * The layout of ncj's JSON files: objects one entry a line, arrays of scalars (and of
     * float arrays) on one line, other arrays one item a line.
     */
    private static final class Layout implements PrettyPrinter {
        /** Whether the next array opened is written on one line; set by the writer before it opens one. */
        boolean next;
        /** Whether each open array is written on one line (pushed once the parent's separator is out). */
        private final Deque<Boolean> flat = new ArrayDeque<>();
        private int level;

        private void newline(JsonGenerator g) throws IOException {
            g.writeRaw('\n');
            g.writeRaw("  ".repeat(level));
        }

        @Override
        public void writeRootValueSeparator(JsonGenerator g) {
        }

        @Override
        public void writeStartObject(JsonGenerator g) throws IOException {
            g.writeRaw('{');
            level++;
        }

        @Override
        public void beforeObjectEntries(JsonGenerator g) throws IOException {
            newline(g);
        }

        @Override
        public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(": ");
        }

        @Override
        public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
            g.writeRaw(',');
            newline(g);
        }

        @Override
        public void writeEndObject(JsonGenerator g, int entries) throws IOException {
            level--;
            if (entries > 0) {
                newline(g);
            }
            g.writeRaw('}');
        }

        @Override
        public void writeStartArray(JsonGenerator g) throws IOException {
            flat.push(next);
            g.writeRaw('[');
            level++;
        }

        @Override
        public void beforeArrayValues(JsonGenerator g) throws IOException {
            if (!flat.peek()) {
                newline(g);
            }
        }

        @Override
        public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
            if (flat.peek()) {
                g.writeRaw(", ");
            } else {
                g.writeRaw(',');
                newline(g);
            }
        }

        @Override
        public void writeEndArray(JsonGenerator g, int values) throws IOException {
            level--;
            if (!flat.pop() && values > 0) {
                newline(g);
            }
            g.writeRaw(']');
        }
    }

    /**
     * Escapes as ncj always wrote them: the short forms of quote, backslash, newline, return and
     * tab, other controls as lower-case hex escapes, and U+2028/U+2029 (line breaks to
     * JavaScript) so the text embeds in a script.
     */
    private static final CharacterEscapes ESCAPES = new CharacterEscapes() {
        private final int[] codes = standardAsciiEscapesForJSON();

        {
            for (int c = 0; c < 0x20; c++) {
                if (c != '\n' && c != '\r' && c != '\t') {
                    codes[c] = ESCAPE_CUSTOM;
                }
            }
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return codes;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            if (ch < 0x20 || ch == 0x2028 || ch == 0x2029) {
                return new SerializedString(String.format("\\u%04x", ch));
            }
            return null;
        }
    };
}
