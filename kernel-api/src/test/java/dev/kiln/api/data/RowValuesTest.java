package dev.kiln.api.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RowValuesTest {

    @Test
    void everyKindOfFieldValueIsNamedAsErrorsSayIt() {
        assertEquals("null", RowValues.describe(null));
        assertEquals("an object", RowValues.describe(new LinkedHashMap<>(Map.of("a", 1))));
        assertEquals("an object", RowValues.describe(Map.of()));
        assertEquals("an array", RowValues.describe(new ArrayList<>(List.of("x"))));
        assertEquals("an array", RowValues.describe(List.of()));
        assertEquals("a string", RowValues.describe(""));
        assertEquals("a boolean", RowValues.describe(Boolean.FALSE));
        assertEquals("a number", RowValues.describe(7L));
        assertEquals("a number", RowValues.describe(0.5));
        assertEquals("a number", RowValues.describe(new BigInteger("123456789012345678901234567890")));
    }
}
