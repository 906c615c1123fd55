package dev.kiln.models.chat.jinja;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** jinja2's built-in filters, with transformers' {@code tojson} in place of jinja2's own. */
final class Filters {

    private Filters() {}

    static final Set<String> NAMES = Set.of("abs", "attr", "capitalize", "center", "count", "d", "default",
            "dictsort", "e", "escape", "first", "float", "forceescape", "format", "indent", "int", "items", "join",
            "last", "length", "list", "lower", "map", "max", "min", "reject", "rejectattr", "replace", "reverse",
            "round", "safe", "select", "selectattr", "sort", "string", "sum", "title", "tojson", "trim", "unique",
            "upper", "wordcount");

    static Object apply(String name, Object v, Args a, Interpreter interpreter) {
        return switch (name) {
            case "abs" -> {
                Py.failIfUndefined(v);
                yield v instanceof Double d ? (Object) Math.abs(d) : (Object) Math.abs(Py.asLong(v));
            }
            case "attr" -> Py.getAttr(v, a.string(0, "name", ""));
            case "capitalize" -> PyStrings.capitalize(Py.str(v));
            case "center" -> PyStrings.pad(Py.str(v), a.integer(0, "width", 80), " ", "center");
            case "count", "length" -> Py.len(v);
            case "d", "default" -> v instanceof Undefined || (a.bool(1, "boolean", false) && !Py.truthy(v))
                    ? a.get(0, "default_value", "") : v;
            case "dictsort" -> dictsort(v, a);
            case "e", "escape" -> Markup.escapeValue(v);
            case "forceescape" -> new Markup(Markup.escape(Py.str(v)));
            case "first" -> {
                List<Object> items = Py.iterate(v);
                yield items.isEmpty() ? Undefined.hint("No first item, sequence was empty.") : items.getFirst();
            }
            case "last" -> {
                List<Object> items = Py.iterate(v);
                yield items.isEmpty() ? Undefined.hint("No last item, sequence was empty.") : items.getLast();
            }
            case "float" -> toFloat(v, a.get(0, "default", 0.0));
            case "int" -> toInt(v, a.get(0, "default", 0L), a.integer(1, "base", 10));
            case "format" -> PyFormat.percent(Py.str(v), new PyTuple(a.positional()));
            case "indent" -> indent(Py.str(v), a.get(0, "width", 4L), a.bool(1, "first", false), a.bool(2, "blank", false));
            case "items" -> v instanceof Undefined ? List.of() : itemsOf(v);
            case "join" -> join(v, a);
            case "list" -> Py.iterate(v);
            case "lower" -> softStr(v, Py.str(v).toLowerCase(Locale.ROOT));
            case "upper" -> softStr(v, Py.str(v).toUpperCase(Locale.ROOT));
            case "map" -> map(v, a, interpreter);
            case "max", "min" -> extreme(v, a, name.equals("max"));
            case "select", "reject" -> select(v, a, name.equals("select"), false, interpreter);
            case "selectattr", "rejectattr" -> select(v, a, name.equals("selectattr"), true, interpreter);
            case "replace" -> PyMethods.replace(Py.str(v), Py.str(a.required(0, "old")), Py.str(a.required(1, "new")),
                    a.get(2, "count", null) == null ? -1 : a.integer(2, "count", -1));
            case "reverse" -> {
                if (Py.isString(v)) {
                    yield new StringBuilder(Py.text(v)).reverse().toString();
                }
                List<Object> items = Py.iterate(v);
                java.util.Collections.reverse(items);
                yield items;
            }
            case "round" -> round(v, a.integer(0, "precision", 0), a.string(1, "method", "common"));
            case "safe" -> v instanceof Markup ? v : new Markup(Py.str(v));
            case "sort" -> sort(v, a);
            case "string" -> v instanceof Markup ? v : Py.str(v);
            case "sum" -> {
                Object total = a.get(1, "start", 0L);
                String attribute = a.string(0, "attribute", null);
                for (Object item : Py.iterate(v)) {
                    total = Py.binary("+", total, attribute == null ? item : attributePath(item, attribute));
                }
                yield total;
            }
            case "title" -> title(Py.str(v));
            case "tojson" -> new PyJson(a.bool(0, "ensure_ascii", false), a.get(1, "indent", null),
                    a.get(2, "separators", null), a.bool(3, "sort_keys", false)).dumps(v);
            case "trim" -> softStr(v, PyStrings.strip(Py.str(v), a.string(0, "chars", null), true, true));
            case "unique" -> unique(v, a);
            case "wordcount" -> {
                Matcher m = Pattern.compile("\\w+", Pattern.UNICODE_CHARACTER_CLASS).matcher(Py.str(v));
                long n = 0;
                while (m.find()) {
                    n++;
                }
                yield n;
            }
            default -> throw new JinjaException("TemplateRuntimeError", "No filter named '" + name + "' found.");
        };
    }

    /** markupsafe's soft_str: the result stays Markup when the input was. */
    private static Object softStr(Object original, String result) {
        return original instanceof Markup ? new Markup(result) : result;
    }

    private static List<Object> itemsOf(Object v) {
        if (!(v instanceof Map<?, ?> m)) {
            throw JinjaException.typeError("Can only get item pairs from a mapping.");
        }
        return PyMethods.items(m);
    }

    /** jinja2's title filter: capitalize the start of every word, words split at spaces, dashes and brackets. */
    private static String title(String s) {
        StringBuilder out = new StringBuilder();
        Matcher m = Pattern.compile("([-\\s({\\[<]+)", Pattern.UNICODE_CHARACTER_CLASS).matcher(s);
        int last = 0;
        List<String> parts = new ArrayList<>();
        while (m.find()) {
            parts.add(s.substring(last, m.start()));
            parts.add(m.group());
            last = m.end();
        }
        parts.add(s.substring(last));
        for (String item : parts) {
            if (!item.isEmpty()) {
                int first = item.codePointAt(0);
                out.append(new String(Character.toChars(first)).toUpperCase(Locale.ROOT))
                        .append(item.substring(Character.charCount(first)).toLowerCase(Locale.ROOT));
            }
        }
        return out.toString();
    }

    private static Object toInt(Object v, Object fallback, long base) {
        if (v instanceof Long || v instanceof Boolean) {
            return Py.asLong(v);
        }
        if (v instanceof Double d) {
            return (long) (double) d;
        }
        if (Py.isString(v)) {
            String s = PyStrings.strip(Py.text(v), null, true, true).replace("_", "");
            try {
                return Long.parseLong(s, (int) base);
            } catch (NumberFormatException e) {
                try {
                    return (long) Double.parseDouble(s);
                } catch (NumberFormatException e2) {
                    return fallback;
                }
            }
        }
        return fallback;
    }

    private static Object toFloat(Object v, Object fallback) {
        if (Py.isNumber(v)) {
            return Py.asDouble(v);
        }
        if (Py.isString(v)) {
            try {
                return Double.parseDouble(PyStrings.strip(Py.text(v), null, true, true));
            } catch (NumberFormatException e) {
                return fallback;
            }
        }
        return fallback;
    }

    private static String indent(String s, Object width, boolean first, boolean blank) {
        String indention = width instanceof Long n ? " ".repeat((int) Math.max(0, n)) : Py.str(width);
        List<Object> lines = new ArrayList<>(
                (List<?>) PyMethods.stringMethod(s + "\n", "splitlines", new Args("splitlines", List.of(), Map.of())));
        StringBuilder rv = new StringBuilder();
        if (blank) {
            for (int i = 0; i < lines.size(); i++) {
                rv.append(i == 0 ? "" : "\n" + indention).append(lines.get(i));
            }
        } else {
            rv.append(lines.isEmpty() ? "" : lines.removeFirst());
            for (Object line : lines) {
                rv.append('\n').append(((String) line).isEmpty() ? "" : indention).append(line);
            }
        }
        return first ? indention + rv : rv.toString();
    }

    private static String join(Object v, Args a) {
        String separator = Py.str(a.get(0, "d", ""));
        String attribute = a.string(1, "attribute", null);
        StringBuilder out = new StringBuilder();
        List<Object> items = Py.iterate(v);
        for (int i = 0; i < items.size(); i++) {
            Object item = attribute == null ? items.get(i) : attributePath(items.get(i), attribute);
            out.append(i == 0 ? "" : separator).append(Py.str(item));
        }
        return out.toString();
    }

    /** jinja2's attribute paths for map/sort/...: {@code "a.b"} and {@code "0"} style lookups. */
    private static Object attributePath(Object item, String path) {
        Object v = item;
        for (String part : path.split("\\.")) {
            v = part.chars().allMatch(Character::isDigit) && !part.isEmpty()
                    ? Py.getItem(v, Long.parseLong(part)) : Py.getItem(v, part);
        }
        return v;
    }

    private static List<Object> map(Object v, Args a, Interpreter interpreter) {
        List<Object> out = new ArrayList<>();
        if (a.positional().isEmpty() && a.keywords().containsKey("attribute")) {
            String attribute = Py.str(a.keywords().get("attribute"));
            Object fallback = a.keywords().getOrDefault("default", Py.MISSING);
            for (Object item : Py.iterate(v)) {
                Object value = attributePath(item, attribute);
                out.add(value instanceof Undefined && fallback != Py.MISSING ? fallback : value);
            }
            return out;
        }
        String filter = Py.str(a.required(0, "filter"));
        if (!NAMES.contains(filter)) {
            throw new JinjaException("TemplateRuntimeError", "No filter named '" + filter + "'.");
        }
        Args rest = new Args(filter, a.positional().subList(1, a.positional().size()), a.keywords());
        for (Object item : Py.iterate(v)) {
            out.add(apply(filter, item, rest, interpreter));
        }
        return out;
    }

    private static List<Object> select(Object v, Args a, boolean keep, boolean byAttribute, Interpreter interpreter) {
        int next = 0;
        String attribute = byAttribute ? Py.str(a.required(next++, "attribute")) : null;
        String test = a.positional().size() > next ? Py.str(a.positional().get(next++)) : null;
        if (test != null && !Tests.NAMES.contains(test)) {
            throw new JinjaException("TemplateRuntimeError", "No test named '" + test + "'.");
        }
        Args testArgs = new Args(String.valueOf(test), a.positional().subList(Math.min(next, a.positional().size()),
                a.positional().size()), a.keywords());
        List<Object> out = new ArrayList<>();
        for (Object item : Py.iterate(v)) {
            Object value = attribute == null ? item : attributePath(item, attribute);
            boolean passes = test == null ? Py.truthy(value) : Tests.apply(test, value, testArgs);
            if (passes == keep) {
                out.add(item);
            }
        }
        return out;
    }

    private static Comparator<Object> ordering(boolean caseSensitive) {
        return (x, y) -> Py.compare(sortKey(x, caseSensitive), sortKey(y, caseSensitive), "<");
    }

    private static Object sortKey(Object v, boolean caseSensitive) {
        return !caseSensitive && Py.isString(v) ? Py.text(v).toLowerCase(Locale.ROOT) : v;
    }

    private static List<Object> sort(Object v, Args a) {
        boolean reverse = a.bool(0, "reverse", false);
        boolean caseSensitive = a.bool(1, "case_sensitive", false);
        String attribute = a.string(2, "attribute", null);
        List<Object> items = Py.iterate(v);
        Comparator<Object> byKey = ordering(caseSensitive);
        Comparator<Object> order = attribute == null ? byKey
                : (x, y) -> byKey.compare(attributePath(x, attribute), attributePath(y, attribute));
        items.sort(reverse ? order.reversed() : order);
        return items;
    }

    private static List<Object> dictsort(Object v, Args a) {
        if (!(v instanceof Map<?, ?> m)) {
            throw JinjaException.typeError("You can only sort by either \"key\" or \"value\"");
        }
        boolean caseSensitive = a.bool(0, "case_sensitive", false);
        String by = a.string(1, "by", "key");
        int position = switch (by) {
            case "key" -> 0;
            case "value" -> 1;
            default -> throw new JinjaException("FilterArgumentError", "You can only sort by either \"key\" or \"value\"");
        };
        boolean reverse = a.bool(2, "reverse", false);
        List<Object> items = PyMethods.items(m);
        Comparator<Object> byKey = ordering(caseSensitive);
        Comparator<Object> order = (x, y) -> byKey.compare(((List<?>) x).get(position), ((List<?>) y).get(position));
        items.sort(reverse ? order.reversed() : order);
        return items;
    }

    private static List<Object> unique(Object v, Args a) {
        boolean caseSensitive = a.bool(0, "case_sensitive", false);
        String attribute = a.string(1, "attribute", null);
        List<Object> seen = new ArrayList<>();
        List<Object> out = new ArrayList<>();
        for (Object item : Py.iterate(v)) {
            Object key = sortKey(attribute == null ? item : attributePath(item, attribute), caseSensitive);
            if (seen.stream().noneMatch(s -> Py.eq(s, key))) {
                seen.add(key);
                out.add(item);
            }
        }
        return out;
    }

    private static Object extreme(Object v, Args a, boolean max) {
        boolean caseSensitive = a.bool(0, "case_sensitive", false);
        String attribute = a.string(1, "attribute", null);
        List<Object> items = Py.iterate(v);
        if (items.isEmpty()) {
            return Undefined.hint("No aggregated item, sequence was empty.");
        }
        Object best = items.getFirst();
        Comparator<Object> order = ordering(caseSensitive);
        for (Object item : items) {
            int c = order.compare(attribute == null ? item : attributePath(item, attribute),
                    attribute == null ? best : attributePath(best, attribute));
            if (max ? c > 0 : c < 0) {
                best = item;
            }
        }
        return best;
    }

    private static double round(Object v, long precision, String method) {
        double d = Py.asDouble(v);
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return d;
        }
        RoundingMode mode = switch (method) {
            case "common" -> RoundingMode.HALF_EVEN;
            case "ceil" -> RoundingMode.CEILING;
            case "floor" -> RoundingMode.FLOOR;
            default -> throw new JinjaException("FilterArgumentError", "method must be common, ceil or floor");
        };
        return new BigDecimal(d).setScale((int) precision, mode).doubleValue();
    }

    static Map<Object, Object> dict(Map<String, Object> kwargs) {
        return new LinkedHashMap<>(kwargs);
    }
}
