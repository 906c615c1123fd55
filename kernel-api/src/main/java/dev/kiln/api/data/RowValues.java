package dev.kiln.api.data;

import java.util.List;
import java.util.Map;

/**
 * The kinds of value a {@link Row}'s field holds (String, Number, Boolean, List, Map or null,
 * as parsed from JSON, CSV or Parquet), named the way dataset errors name them, so that every
 * source and format says "expected an object, found an array" alike.
 */
public final class RowValues {

    private RowValues() {}

    /**
     * "null", "an object" (a Map), "an array" (a List), "a string", "a boolean" or "a number"
     * (anything else).
     */
    public static String describe(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Map<?, ?>) {
            return "an object";
        }
        if (value instanceof List<?>) {
            return "an array";
        }
        if (value instanceof String) {
            return "a string";
        }
        if (value instanceof Boolean) {
            return "a boolean";
        }
        return "a number";
    }
}
