package org.ncj.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class JsonTextTest {

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
        String text = JsonText.write(m);
        Map<String, Object> back = (Map<String, Object>) JsonText.parse(text);
        List<Object> a = (List<Object>) back.get("a");
        for (int i = 0; i < vals.length; i++) {
            assertEquals(vals[i], (Double) a.get(i), 0.0);
        }
        assertNull(back.get("nan"));
        assertNull(back.get("inf"));
        assertEquals(m.get("s"), back.get("s"));
        assertEquals(2.5, ((Map<String, Object>) ((List<Object>) back.get("list")).get(2)).get("k"));
    }

    @Test
    void rejectsInvalidJson() {
        assertThrows(IllegalArgumentException.class, () -> JsonText.parse("{\"a\": NaN}"));
        assertThrows(IllegalArgumentException.class, () -> JsonText.parse("{\"a\": 1"));
        assertThrows(IllegalArgumentException.class, () -> JsonText.parse("[1] x"));
    }
}
