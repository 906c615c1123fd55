package dev.kiln.core.train.job;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The YAML subset a {@code --config sft.yaml} is written in, as ms-swift's example configs are:
 * one {@code key: value} per line, lists as indented {@code - item} lines under a bare
 * {@code key:} or inline as {@code [a, b]}, values plain or quoted ('...' or "..."), comments
 * after {@code #}, blank lines. Values stay text (the option's type converts them); {@code null},
 * {@code ~} and an empty value leave the key unset. Nested mappings, multi-line strings, anchors
 * and documents are not supported and are reported with their line.
 */
public final class YamlConfig {

    private final Path file;
    private final Map<String, Object> values;
    private final Map<String, Integer> lines;

    private YamlConfig(Path file, Map<String, Object> values, Map<String, Integer> lines) {
        this.file = file;
        this.values = Collections.unmodifiableMap(values);
        this.lines = Collections.unmodifiableMap(lines);
    }

    /** The file it was read from. */
    public Path file() {
        return file;
    }

    /** Each key's value: a {@code String}, or a {@code List<String>}; unset keys are absent. */
    public Map<String, Object> values() {
        return values;
    }

    /** {@code file:line} of a key, for messages. */
    public String where(String key) {
        return file + ":" + lines.getOrDefault(key, 0);
    }

    /**
     * Reads {@code file}.
     *
     * @throws IOException naming the file when it cannot be read
     * @throws IllegalArgumentException naming the file and line of what is not in the subset
     */
    public static YamlConfig read(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IOException("--config " + file + ": no such file", e);
        } catch (MalformedInputException e) {
            throw new IOException("--config " + file + ": not UTF-8 text", e);
        }
        return parse(text, file);
    }

    static YamlConfig parse(String text, Path file) {
        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, Integer> lines = new LinkedHashMap<>();
        String listKey = null;
        List<String> list = null;
        String[] rows = text.split("\r?\n", -1);
        for (int n = 0; n < rows.length; n++) {
            int lineNumber = n + 1;
            String line = stripComment(rows[n], file, lineNumber);
            if (line.isBlank() || line.equals("---")) {
                continue;
            }
            boolean indented = Character.isWhitespace(line.charAt(0));
            String trimmed = line.strip();
            if (trimmed.startsWith("- ") || trimmed.equals("-")) {
                if (list == null) {
                    throw error(file, lineNumber, "a list item without a 'key:' line above it");
                }
                list.add(scalar(trimmed.substring(1).strip(), file, lineNumber));
                continue;
            }
            if (indented) {
                throw error(file, lineNumber, "nested mappings are not supported; write 'key: value'"
                        + " at the start of the line");
            }
            if (listKey != null && list.isEmpty()) {
                values.remove(listKey); // 'key:' with nothing under it: unset
            }
            listKey = null;
            list = null;
            int colon = keyEnd(trimmed);
            if (colon < 0) {
                throw error(file, lineNumber, "expected 'key: value', got '" + trimmed + "'");
            }
            String key = trimmed.substring(0, colon).strip();
            String value = trimmed.substring(colon + 1).strip();
            if (key.isEmpty()) {
                throw error(file, lineNumber, "a value without a key");
            }
            if (lines.containsKey(key)) {
                throw error(file, lineNumber, "'" + key + "' is set twice (first on line "
                        + lines.get(key) + ")");
            }
            lines.put(key, lineNumber);
            if (value.isEmpty()) {
                listKey = key;
                list = new ArrayList<>();
                values.put(key, list);
            } else if (value.startsWith("[")) {
                values.put(key, flowList(value, file, lineNumber));
            } else if (value.startsWith("{") || value.startsWith("|") || value.startsWith(">")
                    || value.startsWith("&") || value.startsWith("*")) {
                throw error(file, lineNumber, "'" + key + "': mappings, block strings, anchors and"
                        + " aliases are not supported");
            } else if (!value.equals("null") && !value.equals("~")) {
                values.put(key, scalar(value, file, lineNumber));
            }
        }
        if (listKey != null && list.isEmpty()) {
            values.remove(listKey);
        }
        return new YamlConfig(file, values, lines);
    }

    /** The colon that ends the key: the first ': ' or a trailing ':' outside quotes. */
    private static int keyEnd(String line) {
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\'' || c == '"') {
                return -1;
            }
            if (c == ':' && (i + 1 == line.length() || line.charAt(i + 1) == ' ')) {
                return i;
            }
        }
        return -1;
    }

    /** The line without a comment: '#' at the start or after a space, outside quotes. */
    private static String stripComment(String line, Path file, int lineNumber) {
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '#' && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
                return line.substring(0, i).stripTrailing();
            } else if (c == '\t' && line.substring(0, i).isBlank()) {
                throw error(file, lineNumber, "tabs cannot indent YAML; use spaces");
            }
        }
        return line.stripTrailing();
    }

    private static List<String> flowList(String value, Path file, int lineNumber) {
        if (!value.endsWith("]")) {
            throw error(file, lineNumber, "a list '[...' must close on the same line");
        }
        List<String> items = new ArrayList<>();
        String inner = value.substring(1, value.length() - 1).strip();
        if (inner.isEmpty()) {
            return items;
        }
        StringBuilder item = new StringBuilder();
        char quote = 0;
        for (int i = 0; i < inner.length(); i++) {
            char c = inner.charAt(i);
            if (quote == 0 && c == ',') {
                items.add(scalar(item.toString().strip(), file, lineNumber));
                item.setLength(0);
                continue;
            }
            if (c == '\'' || c == '"') {
                quote = quote == 0 ? c : quote == c ? 0 : quote;
            }
            item.append(c);
        }
        items.add(scalar(item.toString().strip(), file, lineNumber));
        return items;
    }

    /** A plain or quoted scalar's text. */
    private static String scalar(String value, Path file, int lineNumber) {
        if (value.length() >= 2 && (value.startsWith("'") && value.endsWith("'"))) {
            return value.substring(1, value.length() - 1).replace("''", "'");
        }
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            return unescape(value.substring(1, value.length() - 1), file, lineNumber);
        }
        if (value.startsWith("'") || value.startsWith("\"")) {
            throw error(file, lineNumber, "unclosed quote in " + value);
        }
        return value;
    }

    private static String unescape(String text, Path file, int lineNumber) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (++i == text.length()) {
                throw error(file, lineNumber, "a string ends in a lone backslash");
            }
            switch (text.charAt(i)) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case '"' -> out.append('"');
                case '\\' -> out.append('\\');
                default -> throw error(file, lineNumber, "unsupported escape \\" + text.charAt(i));
            }
        }
        return out.toString();
    }

    private static IllegalArgumentException error(Path file, int line, String problem) {
        return new IllegalArgumentException(file + ":" + line + ": " + problem);
    }
}
