package dev.kiln.core.tensor.golden;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A small strict JSON reader for the golden files (kernel-core's tests have no JSON library).
 * Objects become {@link LinkedHashMap}s (key order kept), arrays {@link List}s, numbers
 * {@link Double}s, and true, false and null {@link Boolean}s and null. Strings may use the
 * simple escapes, not unicode escapes. Anything else, including trailing text, is an error naming
 * the offset.
 */
final class GoldenJson {

    private static final Pattern NUMBER =
            Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?");

    private final String text;
    private int at;

    private GoldenJson(String text) {
        this.text = text;
    }

    static Object parse(String text) {
        GoldenJson reader = new GoldenJson(text);
        Object value = reader.value();
        reader.skipSpace();
        if (reader.at != text.length()) {
            throw reader.error("trailing text");
        }
        return value;
    }

    private Object value() {
        skipSpace();
        if (at >= text.length()) {
            throw error("unexpected end");
        }
        char c = text.charAt(at);
        return switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> number();
        };
    }

    private Map<String, Object> object() {
        Map<String, Object> map = new LinkedHashMap<>();
        expect('{');
        if (peek() == '}') {
            at++;
            return map;
        }
        do {
            skipSpace();
            String key = string();
            expect(':');
            if (map.put(key, value()) != null) {
                throw error("duplicate key \"" + key + "\"");
            }
        } while (comma('}'));
        return map;
    }

    private List<Object> array() {
        List<Object> list = new ArrayList<>();
        expect('[');
        if (peek() == ']') {
            at++;
            return list;
        }
        do {
            list.add(value());
        } while (comma(']'));
        return list;
    }

    /** After an element: true on a comma, false on {@code close}; anything else is an error. */
    private boolean comma(char close) {
        char c = peek();
        if (c != ',' && c != close) {
            throw error("expected ',' or '" + close + "'");
        }
        at++;
        return c == ',';
    }

    private String string() {
        expect('"');
        StringBuilder out = new StringBuilder();
        while (at < text.length() && text.charAt(at) != '"') {
            char c = text.charAt(at++);
            if (c == '\\') {
                char escaped = at < text.length() ? text.charAt(at++) : '?';
                c = switch (escaped) {
                    case '"', '\\', '/' -> escaped;
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    default -> throw error("unsupported escape \\" + escaped);
                };
            } else if (c < 0x20) {
                throw error("control character in string");
            }
            out.append(c);
        }
        expect('"');
        return out.toString();
    }

    private Double number() {
        int start = at;
        while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0) {
            at++;
        }
        String token = text.substring(start, at);
        if (!NUMBER.matcher(token).matches()) {
            at = start;
            throw error("not a JSON value");
        }
        return Double.valueOf(token);
    }

    private Object literal(String word, Object value) {
        if (!text.startsWith(word, at)) {
            throw error("not a JSON value");
        }
        at += word.length();
        return value;
    }

    private void expect(char c) {
        if (peek() != c) {
            throw error("expected '" + c + "'");
        }
        at++;
    }

    private char peek() {
        skipSpace();
        return at < text.length() ? text.charAt(at) : '\0';
    }

    private void skipSpace() {
        while (at < text.length() && " \t\r\n".indexOf(text.charAt(at)) >= 0) {
            at++;
        }
    }

    private IllegalArgumentException error(String message) {
        int end = Math.min(text.length(), at + 20);
        return new IllegalArgumentException("JSON: " + message + " at offset " + at + ": '"
                + text.substring(at, end) + "'");
    }
}
