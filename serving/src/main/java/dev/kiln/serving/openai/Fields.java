package dev.kiln.serving.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.serving.http.ApiError;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Typed access to a request's JSON object, with OpenAI's 400 for what is missing, of the wrong
 * type or out of range, naming the parameter. JSON null counts as absent, as OpenAI treats it.
 */
final class Fields {

    private final ObjectNode object;
    private final String prefix;

    private Fields(ObjectNode object, String prefix) {
        this.object = object;
        this.prefix = prefix;
    }

    /** The fields of a request body. */
    static Fields of(JsonNode body) {
        if (!(body instanceof ObjectNode object)) {
            throw ApiError.badRequest("The request body must be a JSON object, not "
                    + describe(body) + ".", null);
        }
        return new Fields(object, "");
    }

    /** The fields of the object {@code node}, named {@code param} in errors ({@code messages[0]}). */
    static Fields of(JsonNode node, String param) {
        if (!(node instanceof ObjectNode object)) {
            throw invalidType(param, "an object", node);
        }
        return new Fields(object, param + ".");
    }

    /** The raw value, or null when absent or null. */
    JsonNode node(String name) {
        JsonNode value = object.get(name);
        return value == null || value.isNull() ? null : value;
    }

    boolean has(String name) {
        return node(name) != null;
    }

    String requiredString(String name) {
        return string(name).orElseThrow(() -> missing(name));
    }

    JsonNode required(String name) {
        JsonNode value = node(name);
        if (value == null) {
            throw missing(name);
        }
        return value;
    }

    Optional<String> string(String name) {
        JsonNode value = node(name);
        if (value == null) {
            return Optional.empty();
        }
        if (!value.isTextual()) {
            throw invalidType(param(name), "a string", value);
        }
        return Optional.of(value.textValue());
    }

    Optional<Boolean> bool(String name) {
        JsonNode value = node(name);
        if (value == null) {
            return Optional.empty();
        }
        if (!value.isBoolean()) {
            throw invalidType(param(name), "a boolean", value);
        }
        return Optional.of(value.booleanValue());
    }

    /** A number in {@code [min, max]}. */
    OptionalDouble number(String name, double min, double max) {
        JsonNode value = node(name);
        if (value == null) {
            return OptionalDouble.empty();
        }
        if (!value.isNumber()) {
            throw invalidType(param(name), "a number", value);
        }
        double v = value.doubleValue();
        if (!(v >= min && v <= max)) {
            throw ApiError.badRequest("Invalid '" + param(name) + "': " + value + " is out of range;"
                    + " expected a number in [" + plain(min) + ", " + plain(max) + "].", param(name));
        }
        return OptionalDouble.of(v);
    }

    /** An integer in {@code [min, max]}. */
    OptionalInt integer(String name, int min, int max) {
        OptionalLong value = longInteger(name, min, max);
        return value.isPresent() ? OptionalInt.of((int) value.getAsLong()) : OptionalInt.empty();
    }

    /** A 64-bit integer in {@code [min, max]}. */
    OptionalLong longInteger(String name, long min, long max) {
        JsonNode value = node(name);
        if (value == null) {
            return OptionalLong.empty();
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw invalidType(param(name), "an integer", value);
        }
        long v = value.longValue();
        if (v < min || v > max) {
            throw ApiError.badRequest("Invalid '" + param(name) + "': " + v + " is out of range;"
                    + " expected an integer in [" + min + ", " + max + "].", param(name));
        }
        return OptionalLong.of(v);
    }

    /** A string or an array of strings, none empty: {@code stop}. */
    List<String> strings(String name, int most) {
        JsonNode value = node(name);
        List<String> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        if (value.isTextual()) {
            out.add(value.textValue());
        } else if (value.isArray()) {
            for (JsonNode item : value) {
                if (!item.isTextual()) {
                    throw invalidType(param(name) + "[" + out.size() + "]", "a string", item);
                }
                out.add(item.textValue());
            }
        } else {
            throw invalidType(param(name), "a string or an array of strings", value);
        }
        if (out.size() > most) {
            throw ApiError.badRequest("Invalid '" + param(name) + "': at most " + most
                    + " entries are allowed, got " + out.size() + ".", param(name));
        }
        for (String s : out) {
            if (s.isEmpty()) {
                throw ApiError.badRequest("Invalid '" + param(name) + "': empty strings are not"
                        + " allowed.", param(name));
            }
        }
        return out;
    }

    String param(String name) {
        return prefix + name;
    }

    ApiError missing(String name) {
        return ApiError.badRequest("Missing required parameter: '" + param(name) + "'.", param(name));
    }

    static ApiError invalidType(String param, String expected, JsonNode got) {
        return ApiError.badRequest("Invalid type for '" + param + "': expected " + expected
                + ", but got " + describe(got) + " instead.", param);
    }

    /** What a JSON value is, for an error: {@code a string}, {@code an array}, ... */
    static String describe(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return "null";
        }
        if (node.isTextual()) {
            return "a string";
        }
        if (node.isBoolean()) {
            return "a boolean";
        }
        if (node.isIntegralNumber()) {
            return "an integer";
        }
        if (node.isNumber()) {
            return "a decimal";
        }
        if (node.isArray()) {
            return "an array";
        }
        return "an object";
    }

    private static String plain(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
