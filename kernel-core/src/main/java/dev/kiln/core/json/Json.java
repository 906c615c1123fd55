package dev.kiln.core.json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON reader for hub responses and the JSON files of a model directory
 * (kernel-core carries no JSON library). Objects become {@link LinkedHashMap}s (key order kept),
 * arrays {@link List}s, integers without fraction or exponent {@link Long}s, other numbers
 * {@link Double}s, and true, false and null {@link Boolean}s and null. Anything malformed,
 * including trailing text, is an {@link IllegalArgumentException} naming the origin and offset.
 */
public final class Json {

    private final String text;
    private final String origin;
    private int at;

    private Json(String text, String origin) {
        this.text = text;
        this.origin = origin;
    }

    /**
     * Parses {@code text}.
     *
     * @param origin what the text is, for errors: a file or a URL
     */
    public static Object parse(String text, String origin) {
        Json reader = new Json(text, origin);
        Object value = reader.value();
        reader.skipSpace();
        if (reader.at != text.length()) {
            throw reader.error("trailing text");
        }
        return value;
    }

    /** Parses {@code text}, which must be a JSON object. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text, String origin) {
        Object value = parse(text, origin);
        if (!(value instanceof Map<?, ?>)) {
            throw new IllegalArgumentException(origin + ": expected a JSON object");
        }
        return (Map<String, Object>) value;
    }

    /**
     * Writes {@code value} (Map, List, String, Number, Boolean or null, nested) as compact JSON,
     * non-ASCII characters as they are, as Python's {@code json.dumps(ensure_ascii=False)}.
     *
     * @throws IllegalArgumentException for a value of another type, or a non-finite number
     */
    public static String write(Object value) {
        StringBuilder out = new StringBuilder();
        write(value, out);
        return out.toString();
    }

    /**
     * Writes {@code value} as {@link #write} does, indented by two spaces per level with one
     * member or element per line, as Python's {@code json.dumps(indent=2, ensure_ascii=False)}:
     * for files people read (trainer_state.json, configurations).
     *
     * @throws IllegalArgumentException for a value of another type, or a non-finite number
     */
    public static String writeIndented(Object value) {
        StringBuilder out = new StringBuilder();
        writeIndented(value, out, "");
        return out.toString();
    }

    private static void writeIndented(Object value, StringBuilder out, String indent) {
        String inner = indent + "  ";
        if (value instanceof Map<?, ?> map && !map.isEmpty()) {
            out.append("{\n");
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                out.append(first ? "" : ",\n").append(inner);
                first = false;
                quote(String.valueOf(e.getKey()), out);
                out.append(": ");
                writeIndented(e.getValue(), out, inner);
            }
            out.append('\n').append(indent).append('}');
        } else if (value instanceof List<?> list && !list.isEmpty()) {
            out.append("[\n");
            for (int i = 0; i < list.size(); i++) {
                out.append(i > 0 ? ",\n" : "").append(inner);
                writeIndented(list.get(i), out, inner);
            }
            out.append('\n').append(indent).append(']');
        } else {
            write(value, out);
        }
    }

    private static void write(Object value, StringBuilder out) {
        switch (value) {
            case null -> out.append("null");
            case String s -> quote(s, out);
            case Boolean b -> out.append(b);
            case Double d when !Double.isFinite(d) -> throw new IllegalArgumentException("JSON has no " + d);
            case Float f when !Float.isFinite(f) -> throw new IllegalArgumentException("JSON has no " + f);
            case Number n -> out.append(n);
            case Map<?, ?> map -> {
                out.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    quote(String.valueOf(e.getKey()), out);
                    out.append(':');
                    write(e.getValue(), out);
                }
                out.append('}');
            }
            case List<?> list -> {
                out.append('[');
                for (int i = 0; i < list.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    write(list.get(i), out);
                }
                out.append(']');
            }
            default -> throw new IllegalArgumentException("cannot write a "
                    + value.getClass().getName() + " as JSON");
        }
    }

    private static void quote(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private Object value() {
        skipSpace();
        if (at >= text.length()) {
            throw error("unexpected end");
        }
        return switch (text.charAt(at)) {
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
        at++;
        skipSpace();
        if (peek() == '}') {
            at++;
            return map;
        }
        do {
            skipSpace();
            if (peek() != '"') {
                throw error("expected a key");
            }
            String key = string();
            expect(':');
            if (map.containsKey(key)) {
                throw error("duplicate key \"" + key + "\"");
            }
            map.put(key, value());
        } while (comma('}'));
        return map;
    }

    private List<Object> array() {
        List<Object> list = new ArrayList<>();
        at++;
        skipSpace();
        if (peek() == ']') {
            at++;
            return list;
        }
        do {
            list.add(value());
        } while (comma(']'));
        return list;
    }

    /** After an element: true at a comma, false at the closing bracket. */
    private boolean comma(char close) {
        skipSpace();
        char c = peek();
        at++;
        if (c == ',') {
            return true;
        }
        if (c == close) {
            return false;
        }
        at--;
        throw error("expected ',' or '" + close + "'");
    }

    private String string() {
        at++;
        StringBuilder out = new StringBuilder();
        while (true) {
            if (at >= text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(at++);
            if (c == '"') {
                return out.toString();
            }
            if (c < 0x20) {
                throw error("control character in a string");
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (at >= text.length()) {
                throw error("unterminated escape");
            }
            char e = text.charAt(at++);
            switch (e) {
                case '"', '\\', '/' -> out.append(e);
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'u' -> out.append(unicodeEscape());
                default -> {
                    at--;
                    throw error("bad escape \\" + e);
                }
            }
        }
    }

    private char unicodeEscape() {
        if (at + 4 > text.length()) {
            throw error("short \\u escape");
        }
        int code = 0;
        for (int i = 0; i < 4; i++) {
            int digit = Character.digit(text.charAt(at + i), 16);
            if (digit < 0) {
                throw error("bad \\u escape");
            }
            code = code * 16 + digit;
        }
        at += 4;
        return (char) code;
    }

    private Object number() {
        int start = at;
        if (peek() == '-') {
            at++;
        }
        int intStart = at;
        digits();
        if (at == intStart || (text.charAt(intStart) == '0' && at - intStart > 1)) {
            at = start;
            throw error("unexpected character '" + peek() + "'");
        }
        boolean integral = true;
        if (peek() == '.') {
            integral = false;
            at++;
            requireDigits();
        }
        if (peek() == 'e' || peek() == 'E') {
            integral = false;
            at++;
            if (peek() == '+' || peek() == '-') {
                at++;
            }
            requireDigits();
        }
        String literal = text.substring(start, at);
        if (integral) {
            try {
                return Long.parseLong(literal);
            } catch (NumberFormatException tooLarge) {
                return Double.parseDouble(literal);
            }
        }
        return Double.parseDouble(literal);
    }

    private void requireDigits() {
        int start = at;
        digits();
        if (at == start) {
            throw error("expected a digit");
        }
    }

    private void digits() {
        while (at < text.length() && text.charAt(at) >= '0' && text.charAt(at) <= '9') {
            at++;
        }
    }

    private Object literal(String word, Object value) {
        if (!text.startsWith(word, at)) {
            throw error("unexpected character '" + peek() + "'");
        }
        at += word.length();
        return value;
    }

    private void expect(char c) {
        skipSpace();
        if (peek() != c) {
            throw error("expected '" + c + "'");
        }
        at++;
    }

    private char peek() {
        return at < text.length() ? text.charAt(at) : '\0';
    }

    private void skipSpace() {
        while (at < text.length()) {
            char c = text.charAt(at);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            at++;
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException(origin + ": malformed JSON at offset " + at + ": " + what);
    }
}
