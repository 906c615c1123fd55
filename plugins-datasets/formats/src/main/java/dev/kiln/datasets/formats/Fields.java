package dev.kiln.datasets.formats;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.kiln.api.data.DatasetException;
import dev.kiln.api.data.Row;
import dev.kiln.api.data.RowValues;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Typed access to a row's fields; every error names the row's origin and the field. */
final class Fields {

    private static final JsonFactory JSON = new JsonFactory();

    private Fields() {}

    static Optional<String> string(Row row, String field) throws DatasetException {
        return string(row.origin(), field, row.fields().get(field));
    }

    static Optional<String> string(String origin, String field, Object value) throws DatasetException {
        if (value == null) {
            return Optional.empty();
        }
        if (value instanceof String s) {
            return Optional.of(s);
        }
        throw wrongType(origin, field, "a string", value);
    }

    static String required(Row row, String field) throws DatasetException {
        return string(row, field).orElseThrow(() -> new DatasetException(row.origin(),
                "field '" + field + "' is missing"));
    }

    /** The first of {@code fields} the row has, with its name. */
    static Optional<Map.Entry<String, String>> firstString(Row row, List<String> fields) throws DatasetException {
        for (String field : fields) {
            Optional<String> value = string(row, field);
            if (value.isPresent()) {
                return Optional.of(Map.entry(field, value.get()));
            }
        }
        return Optional.empty();
    }

    static List<?> list(String origin, String field, Object value) throws DatasetException {
        if (value instanceof List<?> list) {
            return list;
        }
        throw wrongType(origin, field, "an array", value);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(String origin, String field, Object value) throws DatasetException {
        if (value instanceof Map<?, ?> map) {
            return (Map<String, Object>) map;
        }
        throw wrongType(origin, field, "an object", value);
    }

    /** KTO's label: a boolean, 0/1, or the text true/false/1/0. */
    static Optional<Boolean> label(Row row) throws DatasetException {
        Object value = row.fields().get("label");
        if (value == null) {
            return Optional.empty();
        }
        if (value instanceof Boolean b) {
            return Optional.of(b);
        }
        if (value instanceof Number n && (n.doubleValue() == 0 || n.doubleValue() == 1)) {
            return Optional.of(n.doubleValue() == 1);
        }
        if (value instanceof String s) {
            switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "true", "1" -> {
                    return Optional.of(true);
                }
                case "false", "0" -> {
                    return Optional.of(false);
                }
                default -> { }
            }
        }
        throw new DatasetException(row.origin(), "field 'label': expected true/false or 1/0, found "
                + RowValues.describe(value) + " " + value);
    }

    /** OpenAI tool schemas: an array of objects, or that array as JSON text (ms-swift's way). */
    static List<Map<String, Object>> tools(Row row) throws DatasetException {
        Object value = row.fields().get("tools");
        if (value == null) {
            return List.of();
        }
        if (value instanceof String s) {
            if (s.isBlank()) {
                return List.of();
            }
            value = parseJson(row.origin(), "tools", s);
        }
        List<Map<String, Object>> tools = new ArrayList<>();
        List<?> list = list(row.origin(), "tools", value);
        for (int i = 0; i < list.size(); i++) {
            tools.add(object(row.origin(), "tools[" + i + "]", list.get(i)));
        }
        return tools;
    }

    /** The row's fields other than {@code consumed}, for {@code Sample.extra}. */
    static Map<String, Object> extra(Row row, Set<String> consumed) {
        Map<String, Object> extra = new LinkedHashMap<>();
        row.fields().forEach((k, v) -> {
            if (v != null && !consumed.contains(k)) {
                extra.put(k, v);
            }
        });
        return extra;
    }

    static Object parseJson(String origin, String field, String text) throws DatasetException {
        try (JsonParser parser = JSON.createParser(text)) {
            parser.nextToken();
            Object value = read(parser);
            if (parser.nextToken() != null) {
                throw new DatasetException(origin, "field '" + field + "': text after the JSON value");
            }
            return value;
        } catch (IOException e) {
            throw new DatasetException(origin, "field '" + field + "': malformed JSON: " + e.getMessage(), e);
        }
    }

    private static Object read(JsonParser parser) throws IOException {
        JsonToken token = parser.currentToken();
        if (token == null) {
            throw new IOException("no JSON value");
        }
        switch (token) {
            case START_OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                for (JsonToken t = parser.nextToken(); t != JsonToken.END_OBJECT; t = parser.nextToken()) {
                    String name = parser.currentName();
                    parser.nextToken();
                    map.put(name, read(parser));
                }
                return map;
            }
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
                    list.add(read(parser));
                }
                return list;
            }
            case VALUE_STRING -> {
                return parser.getText();
            }
            case VALUE_NUMBER_INT -> {
                return parser.getLongValue();
            }
            case VALUE_NUMBER_FLOAT -> {
                return parser.getDoubleValue();
            }
            case VALUE_TRUE -> {
                return true;
            }
            case VALUE_FALSE -> {
                return false;
            }
            case VALUE_NULL -> {
                return null;
            }
            default -> throw new IOException("unexpected " + token);
        }
    }

    static DatasetException wrongType(String origin, String field, String expected, Object value) {
        return new DatasetException(origin, "field '" + field + "': expected " + expected + ", found "
                + RowValues.describe(value));
    }
}
