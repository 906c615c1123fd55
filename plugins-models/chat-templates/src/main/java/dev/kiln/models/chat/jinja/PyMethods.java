package dev.kiln.models.chat.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The Python methods templates call on values ({@code content.strip()}, {@code message.get('x')},
 * {@code d.items()}): what the immutable sandbox allows, with the methods that would modify a list
 * or dict answering with the sandbox's SecurityError.
 */
final class PyMethods {

    private PyMethods() {}

    private static final Set<String> STR = Set.of("strip", "lstrip", "rstrip", "split", "rsplit", "splitlines",
            "startswith", "endswith", "replace", "upper", "lower", "title", "capitalize", "swapcase", "casefold",
            "find", "rfind", "index", "rindex", "count", "join", "isdigit", "isdecimal", "isnumeric", "isalpha",
            "isalnum", "isspace", "isupper", "islower", "zfill", "center", "ljust", "rjust", "partition",
            "rpartition", "removeprefix", "removesuffix", "format");
    private static final Set<String> DICT = Set.of("get", "items", "keys", "values", "copy");
    private static final Set<String> DICT_UNSAFE = Set.of("pop", "popitem", "setdefault", "update", "clear");
    private static final Set<String> LIST = Set.of("index", "count", "copy");
    private static final Set<String> LIST_UNSAFE = Set.of("append", "extend", "insert", "pop", "remove", "reverse",
            "sort", "clear");

    /** The attribute {@code name} of {@code obj}: a bound method, a field, or {@link Py#MISSING}. */
    static Object attribute(Object obj, String name) {
        switch (obj) {
            case String s when STR.contains(name) -> {
                return (JinjaCallable) (a, k) -> stringMethod(s, name, new Args(name, a, k));
            }
            case Markup m when STR.contains(name) -> {
                return (JinjaCallable) (a, k) -> stringMethod(m.text(), name, new Args(name, a, k));
            }
            case Map<?, ?> m when DICT.contains(name) -> {
                return (JinjaCallable) (a, k) -> dictMethod(m, name, new Args(name, a, k));
            }
            case Map<?, ?> m when DICT_UNSAFE.contains(name) -> {
                return Undefined.unsafe(obj, name);
            }
            case PyTuple t when name.equals("index") || name.equals("count") -> {
                return (JinjaCallable) (a, k) -> listMethod(t, name, new Args(name, a, k));
            }
            case List<?> l when !(obj instanceof PyTuple) && LIST.contains(name) -> {
                return (JinjaCallable) (a, k) -> listMethod(l, name, new Args(name, a, k));
            }
            case List<?> l when !(obj instanceof PyTuple) && LIST_UNSAFE.contains(name) -> {
                return Undefined.unsafe(obj, name);
            }
            case Namespace n -> {
                return n.attributes.containsKey(name) ? n.attributes.get(name) : Py.MISSING;
            }
            case LoopContext loop -> {
                return loop.attribute(name);
            }
            default -> {
                return Py.MISSING;
            }
        }
    }

    static Object dictMethod(Map<?, ?> m, String name, Args args) {
        return switch (name) {
            case "get" -> {
                Object key = Py.findKey(m, args.required(0, "key"));
                yield key == Py.MISSING ? args.get(1, "default", null) : m.get(key);
            }
            case "items" -> items(m);
            case "keys" -> new ArrayList<Object>(m.keySet());
            case "values" -> new ArrayList<Object>(m.values());
            case "copy" -> new java.util.LinkedHashMap<Object, Object>(m);
            default -> throw new IllegalStateException(name);
        };
    }

    static List<Object> items(Map<?, ?> m) {
        List<Object> out = new ArrayList<>();
        m.forEach((k, v) -> out.add(new PyTuple(java.util.Arrays.asList(k, v))));
        return out;
    }

    private static Object listMethod(List<?> l, String name, Args args) {
        Object x = name.equals("copy") ? null : args.required(0, "value");
        return switch (name) {
            case "count" -> l.stream().filter(v -> Py.eq(v, x)).count();
            case "copy" -> new ArrayList<Object>(l);
            default -> {
                for (int i = 0; i < l.size(); i++) {
                    if (Py.eq(l.get(i), x)) {
                        yield (long) i;
                    }
                }
                throw new JinjaException("ValueError", Py.repr(x) + " is not in list");
            }
        };
    }

    static Object stringMethod(String s, String name, Args args) {
        return switch (name) {
            case "strip" -> PyStrings.strip(s, args.string(0, "chars", null), true, true);
            case "lstrip" -> PyStrings.strip(s, args.string(0, "chars", null), true, false);
            case "rstrip" -> PyStrings.strip(s, args.string(0, "chars", null), false, true);
            case "split" -> PyStrings.split(s, args.string(0, "sep", null), args.integer(1, "maxsplit", -1));
            case "rsplit" -> PyStrings.rsplit(s, args.string(0, "sep", null), args.integer(1, "maxsplit", -1));
            case "splitlines" -> splitlines(s, args.bool(0, "keepends", false));
            case "startswith", "endswith" -> affix(s, name.equals("startswith"), args);
            case "replace" -> replace(s, args.string(0, "old", null), args.string(1, "new", null),
                    args.integer(2, "count", -1));
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower", "casefold" -> s.toLowerCase(Locale.ROOT);
            case "title" -> PyStrings.title(s);
            case "capitalize" -> PyStrings.capitalize(s);
            case "swapcase" -> PyStrings.swapcase(s);
            case "find", "index" -> {
                String window = window(s, args);
                int at = window.indexOf(args.string(0, "sub", null));
                if (at < 0 && name.equals("index")) {
                    throw new JinjaException("ValueError", "substring not found");
                }
                yield at < 0 ? -1L : offset(s, args) + PyStrings.codePointIndex(window, at);
            }
            case "rfind", "rindex" -> {
                String window = window(s, args);
                int at = window.lastIndexOf(args.string(0, "sub", null));
                if (at < 0 && name.equals("rindex")) {
                    throw new JinjaException("ValueError", "substring not found");
                }
                yield at < 0 ? -1L : offset(s, args) + PyStrings.codePointIndex(window, at);
            }
            case "count" -> {
                String window = window(s, args);
                String sub = args.string(0, "sub", null);
                if (sub.isEmpty()) {
                    yield window.codePointCount(0, window.length()) + 1L;
                }
                long n = 0;
                for (int at = window.indexOf(sub); at >= 0; at = window.indexOf(sub, at + sub.length())) {
                    n++;
                }
                yield n;
            }
            case "join" -> {
                StringBuilder out = new StringBuilder();
                List<Object> items = Py.iterate(args.required(0, "iterable"));
                for (int i = 0; i < items.size(); i++) {
                    if (!Py.isString(items.get(i))) {
                        throw JinjaException.typeError("sequence item " + i + ": expected str instance, "
                                + Py.typeName(items.get(i)) + " found");
                    }
                    out.append(i == 0 ? "" : s).append(Py.text(items.get(i)));
                }
                yield out.toString();
            }
            case "isdigit", "isdecimal", "isnumeric" -> !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            case "isalpha" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            case "isalnum" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
            case "isspace" -> !s.isEmpty() && s.codePoints().allMatch(PyStrings::isSpace);
            case "isupper" -> s.codePoints().anyMatch(Character::isUpperCase) && !s.codePoints().anyMatch(Character::isLowerCase);
            case "islower" -> s.codePoints().anyMatch(Character::isLowerCase) && !s.codePoints().anyMatch(Character::isUpperCase);
            case "zfill" -> {
                long width = args.integer(0, "width", 0);
                boolean sign = !s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+');
                String body = sign ? s.substring(1) : s;
                String padded = PyStrings.pad(body, width - (sign ? 1 : 0), "0", "rjust");
                yield sign ? s.charAt(0) + padded : padded;
            }
            case "center", "ljust", "rjust" -> PyStrings.pad(s, args.integer(0, "width", 0),
                    args.string(1, "fillchar", " "), name);
            case "partition", "rpartition" -> {
                String sep = args.string(0, "sep", null);
                int at = name.equals("partition") ? s.indexOf(sep) : s.lastIndexOf(sep);
                if (at < 0) {
                    yield name.equals("partition") ? new PyTuple(List.of(s, "", "")) : new PyTuple(List.of("", "", s));
                }
                yield new PyTuple(List.of(s.substring(0, at), sep, s.substring(at + sep.length())));
            }
            case "removeprefix" -> {
                String p = args.string(0, "prefix", "");
                yield s.startsWith(p) ? s.substring(p.length()) : s;
            }
            case "removesuffix" -> {
                String p = args.string(0, "suffix", "");
                yield !p.isEmpty() && s.endsWith(p) ? s.substring(0, s.length() - p.length()) : s;
            }
            case "format" -> PyFormat.braces(s, args.positional(), args.keywords());
            default -> throw new IllegalStateException(name);
        };
    }

    private static String window(String s, Args args) {
        int start = PyStrings.utf16Index(s, args.integer(1, "start", 0));
        Object end = args.get(2, "end", null);
        int stop = end == null ? s.length() : PyStrings.utf16Index(s, Py.asLong(end));
        return start >= stop ? "" : s.substring(start, stop);
    }

    private static long offset(String s, Args args) {
        return PyStrings.codePointIndex(s, PyStrings.utf16Index(s, args.integer(1, "start", 0)));
    }

    private static boolean affix(String s, boolean prefix, Args args) {
        Object what = args.required(0, prefix ? "prefix" : "suffix");
        String w = window(s, args);
        List<Object> candidates = what instanceof PyTuple t ? List.copyOf(t) : List.of(what);
        for (Object c : candidates) {
            if (!Py.isString(c)) {
                throw JinjaException.typeError((prefix ? "startswith" : "endswith")
                        + " first arg must be str or a tuple of str, not " + Py.typeName(c));
            }
            if (prefix ? w.startsWith(Py.text(c)) : w.endsWith(Py.text(c))) {
                return true;
            }
        }
        return false;
    }

    static String replace(String s, String old, String replacement, long count) {
        if (old.isEmpty()) {
            // Python puts the replacement before every character and at the end, at most count times.
            StringBuilder out = new StringBuilder();
            long n = 0;
            for (Object c : Py.codePointStrings(s)) {
                if (count < 0 || n++ < count) {
                    out.append(replacement);
                }
                out.append((String) c);
            }
            return count < 0 || n < count ? out.append(replacement).toString() : out.toString();
        }
        if (count < 0) {
            return s.replace(old, replacement);
        }
        StringBuilder out = new StringBuilder();
        int from = 0;
        for (long n = 0; n < count; n++) {
            int at = s.indexOf(old, from);
            if (at < 0) {
                break;
            }
            out.append(s, from, at).append(replacement);
            from = at + old.length();
        }
        return out.append(s.substring(from)).toString();
    }

    private static List<Object> splitlines(String s, boolean keepends) {
        List<Object> out = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            int eol = switch (c) {
                case '\n', '\u000b', '\u000c', '\u001c', '\u001d', '\u001e', '\u0085', '\u2028', '\u2029' -> 1;
                case '\r' -> i + 1 < s.length() && s.charAt(i + 1) == '\n' ? 2 : 1;
                default -> 0;
            };
            if (eol == 0) {
                i++;
                continue;
            }
            out.add(s.substring(start, keepends ? i + eol : i));
            i += eol;
            start = i;
        }
        if (start < s.length()) {
            out.add(s.substring(start));
        }
        return out;
    }
}
