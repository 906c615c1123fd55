package dev.kiln.core.json;

import dev.kiln.core.json.Json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void readsValues() {
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("n", 12L);
        expected.put("big", 123456789012L);
        expected.put("x", -1.5e-3);
        expected.put("s", "a\"b\\c/\n\u00e9\u4e2d");
        expected.put("list", Arrays.asList(true, false, null, List.of()));
        expected.put("o", Map.of());
        assertEquals(expected, Json.parse("""
                { "n": 12, "big": 123456789012, "x": -1.5e-3, "s": "a\\"b\\\\c\\/\\n\\u00e9中",
                  "list": [true, false, null, []], "o": {} }""", "t"));
    }

    @Test
    void malformedJsonNamesTheOriginAndOffset() {
        assertEquals("config.json: malformed JSON at offset 8: expected ',' or '}'",
                assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\": 1 \"b\": 2}", "config.json"))
                        .getMessage());
        for (String bad : List.of("", "{", "[1,]", "01", "1.", "{\"a\":1}x", "\"\\q\"", "{\"a\":1,\"a\":2}", "nul")) {
            assertThrows(IllegalArgumentException.class, () -> Json.parse(bad, "t"), bad);
        }
    }
}
