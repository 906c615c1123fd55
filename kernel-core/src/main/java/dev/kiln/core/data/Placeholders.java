package dev.kiln.core.data;

import dev.kiln.api.data.DatasetException;
import dev.kiln.api.data.Row;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code {{NAME}}} and {@code {{AUTHOR}}} in a row's text become {@code --model_name} and
 * {@code --model_author}, as ms-swift's self-cognition preprocessor does: rows tagged {@code zh}
 * take the first value, the others the second (one value serves both). Without the options the
 * placeholders stay, except in built-in datasets, where they are an error.
 */
final class Placeholders {

    static final String NAME = "{{NAME}}";
    static final String AUTHOR = "{{AUTHOR}}";

    private final List<String> names;
    private final List<String> authors;
    private final boolean required;

    Placeholders(List<String> names, List<String> authors) {
        this(names, authors, false);
    }

    private Placeholders(List<String> names, List<String> authors, boolean required) {
        this.names = List.copyOf(names);
        this.authors = List.copyOf(authors);
        this.required = required;
    }

    /** The built-in source's rows are written for substitution: there a missing option is an error. */
    Placeholders forSource(String sourceName) {
        return new Placeholders(names, authors, "builtin".equals(sourceName));
    }

    Row apply(Row row) throws DatasetException {
        if (names.isEmpty() && authors.isEmpty() && !required) {
            return row;
        }
        boolean zh = "zh".equals(row.fields().get("tag"));
        String name = pick(names, zh);
        String author = pick(authors, zh);
        Map<String, Object> out = new LinkedHashMap<>();
        boolean[] found = new boolean[2];
        row.fields().forEach((k, v) -> out.put(k, replace(v, name, author, found)));
        if (required && ((found[0] && name == null) || (found[1] && author == null))) {
            throw new DatasetException(row.origin(), "the row has " + (found[0] && name == null ? NAME : AUTHOR)
                    + " placeholders: pass --model_name and --model_author (Chinese and English values,"
                    + " or one for both)");
        }
        return new Row(out, row.origin());
    }

    private static String pick(List<String> values, boolean zh) {
        if (values.isEmpty()) {
            return null;
        }
        return zh || values.size() == 1 ? values.getFirst() : values.get(1);
    }

    private static Object replace(Object value, String name, String author, boolean[] found) {
        if (value instanceof String s) {
            if (s.contains(NAME)) {
                found[0] = true;
                if (name != null) {
                    s = s.replace(NAME, name);
                }
            }
            if (s.contains(AUTHOR)) {
                found[1] = true;
                if (author != null) {
                    s = s.replace(AUTHOR, author);
                }
            }
            return s;
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (Object o : list) {
                out.add(replace(o, name, author, found));
            }
            return out;
        }
        if (value instanceof Map<?, ?> map) {
            Map<Object, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put(k, replace(v, name, author, found)));
            return out;
        }
        return value;
    }
}
