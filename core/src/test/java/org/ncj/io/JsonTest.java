package org.ncj.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The one JSON reader and writer (jackson-core): limits, value model, exact doubles, byte-compatible output. */
class JsonTest {

    @Test
    @SuppressWarnings("unchecked")
    void roundTripsDoublesExactlyAndWritesNonFiniteAsNull() {
        Map<String, Object> m = new LinkedHashMap<>();
        double[] vals = {0.1, 1.0 / 3, Math.PI * 1e-300, Double.MIN_VALUE, -1.7976931348623157e308, 0.0};
        m.put("a", vals);
        m.put("nan", Double.NaN);
        m.put("inf", Double.POSITIVE_INFINITY);
        m.put("s", "quote \" back \\ nl \n tab \t ü");
        m.put("list", List.of(1L, "x", Map.of("k", 2.5)));
        m.put("ints", new int[] {1, -2});
        String text = Json.write(m);
        Map<String, Object> back = (Map<String, Object>) Json.parseNumbersAsDoubles(text);
        List<Object> a = (List<Object>) back.get("a");
        for (int i = 0; i < vals.length; i++) {
            assertEquals(vals[i], (Double) a.get(i), 0.0);
        }
        assertNull(back.get("nan"));
        assertNull(back.get("inf"));
        assertEquals(m.get("s"), back.get("s"));
        assertEquals(2.5, ((Map<String, Object>) ((List<Object>) back.get("list")).get(2)).get("k"));
    }

    /** The writer's output is byte for byte what ncj's hand-written writer produced (file written by it). */
    @Test
    void writesTheSameBytesAsBefore() throws IOException {
        String expected;
        try (var in = JsonTest.class.getResourceAsStream("/json/sample-written.json")) {
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertEquals(expected, Json.write(JsonSample.document()));
    }

    @Test
    void valueModel() {
        Object v = Json.parse(" {\"a\": [1, -2, 3.5e0, true, false, null, \"x\\u0041\\n\"], \"b\": {}} ");
        assertEquals("{a=[1, -2, 3.5, true, false, null, xA\n], b={}}", v.toString());
        List<?> l = (List<?>) ((Map<?, ?>) v).get("a");
        assertInstanceOf(Long.class, l.get(0));
        assertInstanceOf(Double.class, l.get(2));
        assertEquals(new BigInteger("123456789012345678901234567890"), Json.parse("123456789012345678901234567890"));
        assertEquals(Double.POSITIVE_INFINITY, Json.parse("1e999999999"));
        assertEquals("\"a\\\"b\\\\c\\u0001\"", Json.quote("a\"b\\c\u0001"));
    }

    @Test
    void rejectsInvalidJson() {
        for (String bad : new String[]{"{\"a\": NaN}", "{\"a\": 1", "[1] x", "{\"a\":1,\"a\":2}", "[1,]", "", "'a'",
                "{\"a\":1} x", "[01]", "\"\u0001\""}) {
            assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
        }
    }

    @Test
    void limitsNestingNumbersAndStrings() {
        IllegalArgumentException deep = assertThrows(IllegalArgumentException.class,
                () -> Json.parse("[".repeat(Json.MAX_DEPTH + 1) + "]".repeat(Json.MAX_DEPTH + 1)));
        assertTrue(deep.getMessage().contains("nesting"), deep.getMessage());
        Json.parse("[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH));
        IllegalArgumentException num = assertThrows(IllegalArgumentException.class,
                () -> Json.parse("1" + "0".repeat(Json.MAX_NUMBER_LENGTH + 1)));
        assertTrue(num.getMessage().contains("Number value length"), num.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Json.parse("\"" + "x".repeat(Json.MAX_STRING_LENGTH + 1) + "\""));
    }
}
