package dev.kiln.models.chat.jinja;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Python's value semantics over the Java values a template sees: {@code null} is None,
 * {@link Long} int, {@link Double} float, {@link String} or {@link Markup} str, {@link List} list,
 * {@link PyTuple} tuple, {@link Map} dict. Truth, {@code str()}, {@code repr()}, equality, ordering,
 * arithmetic and membership follow CPython, messages included.
 */
final class Py {

    private Py() {}

    // --- conversion -------------------------------------------------------------------------

    /** Turns caller-supplied Java values into template values (ints to Long, floats to Double, ...). */
    static Object fromJava(Object value) {
        return switch (value) {
            case null -> null;
            case String s -> s;
            case Boolean b -> b;
            case Long l -> l;
            case Double d -> d;
            case Integer i -> i.longValue();
            case Short s -> s.longValue();
            case Byte b -> b.longValue();
            case java.math.BigInteger b -> b.longValue();
            case Float f -> Double.parseDouble(f.toString());
            case BigDecimal b -> b.doubleValue();
            case Character c -> c.toString();
            case Map<?, ?> m -> {
                Map<Object, Object> copy = new LinkedHashMap<>();
                m.forEach((k, v) -> copy.put(fromJava(k), fromJava(v)));
                yield copy;
            }
            case Iterable<?> it -> {
                List<Object> copy = new ArrayList<>();
                it.forEach(v -> copy.add(fromJava(v)));
                yield copy;
            }
            case Object[] array -> fromJava(List.of(array));
            default -> value;
        };
    }

    // --- types ------------------------------------------------------------------------------

    static String typeName(Object v) {
        return switch (v) {
            case null -> "NoneType";
            case Boolean b -> "bool";
            case Long l -> "int";
            case Double d -> "float";
            case String s -> "str";
            case Markup m -> "Markup";
            case PyTuple t -> "tuple";
            case List<?> l -> "list";
            case Map<?, ?> m -> "dict";
            case Undefined u -> "Undefined";
            case Namespace n -> "Namespace";
            case Macro m -> "Macro";
            case LoopContext l -> "LoopContext";
            case JinjaCallable c -> "function";
            default -> v.getClass().getSimpleName();
        };
    }

    /** jinja2.utils.object_type_repr, used in undefined messages. */
    static String objectTypeRepr(Object v) {
        if (v == null) {
            return "None";
        }
        return switch (v) {
            case Markup m -> "markupsafe.Markup object";
            case Namespace n -> "jinja2.utils.Namespace object";
            case LoopContext l -> "jinja2.runtime.LoopContext object";
            case Macro m -> "jinja2.runtime.Macro object";
            default -> typeName(v) + " object";
        };
    }

    static boolean isString(Object v) {
        return v instanceof String || v instanceof Markup;
    }

    /** Python int, bool included (bool is a subclass of int). */
    static boolean isInt(Object v) {
        return v instanceof Long || v instanceof Boolean;
    }

    static boolean isNumber(Object v) {
        return isInt(v) || v instanceof Double;
    }

    static long asLong(Object v) {
        return v instanceof Boolean b ? (b ? 1 : 0) : (Long) v;
    }

    static double asDouble(Object v) {
        return v instanceof Double d ? d : asLong(v);
    }

    static String text(Object stringValue) {
        return stringValue instanceof Markup m ? m.text() : (String) stringValue;
    }

    // --- truth and text ---------------------------------------------------------------------

    static boolean truthy(Object v) {
        return switch (v) {
            case null -> false;
            case Boolean b -> b;
            case Long l -> l != 0;
            case Double d -> d != 0.0;
            case String s -> !s.isEmpty();
            case Markup m -> !m.text().isEmpty();
            case List<?> l -> !l.isEmpty();
            case Map<?, ?> m -> !m.isEmpty();
            case Undefined u -> false;
            default -> true;
        };
    }

    /** Python's {@code str()}. */
    static String str(Object v) {
        return switch (v) {
            case null -> "None";
            case String s -> s;
            case Markup m -> m.text();
            case Undefined u -> "";
            case Boolean b -> b ? "True" : "False";
            case Long l -> l.toString();
            case Double d -> floatRepr(d);
            case List<?> l -> repr(l);
            case Map<?, ?> m -> repr(m);
            default -> v.toString();
        };
    }

    /** Python's {@code repr()}. */
    static String repr(Object v) {
        return switch (v) {
            case null -> "None";
            case String s -> stringRepr(s);
            case Markup m -> "Markup(" + stringRepr(m.text()) + ")";
            case PyTuple t -> {
                StringBuilder out = new StringBuilder("(");
                for (int i = 0; i < t.size(); i++) {
                    out.append(i == 0 ? "" : ", ").append(repr(t.get(i)));
                }
                yield out.append(t.size() == 1 ? ",)" : ")").toString();
            }
            case List<?> l -> {
                StringBuilder out = new StringBuilder("[");
                for (int i = 0; i < l.size(); i++) {
                    out.append(i == 0 ? "" : ", ").append(repr(l.get(i)));
                }
                yield out.append(']').toString();
            }
            case Map<?, ?> m -> {
                StringBuilder out = new StringBuilder("{");
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    out.append(first ? "" : ", ").append(repr(e.getKey())).append(": ").append(repr(e.getValue()));
                    first = false;
                }
                yield out.append('}').toString();
            }
            case Undefined u -> "Undefined";
            default -> str(v);
        };
    }

    private static String stringRepr(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder out = new StringBuilder().append(quote);
        s.codePoints().forEach(cp -> {
            switch (cp) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (cp == quote) {
                        out.append('\\').append((char) cp);
                    } else if (isPrintable(cp)) {
                        out.appendCodePoint(cp);
                    } else if (cp < 0x100) {
                        out.append(String.format("\\x%02x", cp));
                    } else if (cp < 0x10000) {
                        out.append(String.format("\\u%04x", cp));
                    } else {
                        out.append(String.format("\\U%08x", cp));
                    }
                }
            }
        });
        return out.append(quote).toString();
    }

    /** str.isprintable for one character: not a control, format, separator (but space) or unassigned. */
    private static boolean isPrintable(int cp) {
        if (cp == ' ') {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE,
                    Character.UNASSIGNED, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                    Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }

    /** Python's float repr: the shortest digits that read back, in fixed form for 1e-4 <= |x| < 1e16. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal exact = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = exact.unscaledValue().toString();
        int exponent = digits.length() - 1 - exact.scale(); // d = digits[0].digits[1..] * 10^exponent
        StringBuilder out = new StringBuilder(d < 0 ? "-" : "");
        if (exponent < -4 || exponent >= 16) {
            out.append(digits.charAt(0));
            if (digits.length() > 1) {
                out.append('.').append(digits, 1, digits.length());
            }
            out.append('e').append(exponent < 0 ? '-' : '+');
            String e = Integer.toString(Math.abs(exponent));
            out.append(e.length() < 2 ? "0" + e : e);
        } else if (exponent < 0) {
            out.append("0.").append("0".repeat(-exponent - 1)).append(digits);
        } else if (digits.length() <= exponent + 1) {
            out.append(digits).append("0".repeat(exponent + 1 - digits.length())).append(".0");
        } else {
            out.append(digits, 0, exponent + 1).append('.').append(digits, exponent + 1, digits.length());
        }
        return out.toString();
    }

    // --- comparison -------------------------------------------------------------------------

    static boolean eq(Object a, Object b) {
        if (a == b) {
            return true;
        }
        if (a == null || b == null) {
            return false;
        }
        if (isNumber(a) && isNumber(b)) {
            return a instanceof Double || b instanceof Double ? asDouble(a) == asDouble(b) : asLong(a) == asLong(b);
        }
        if (isString(a) && isString(b)) {
            return text(a).equals(text(b));
        }
        if (a instanceof PyTuple != b instanceof PyTuple) {
            return false;
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!eq(x.get(i), y.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (Map.Entry<?, ?> e : x.entrySet()) {
                Object key = findKey(y, e.getKey());
                if (key == MISSING || !eq(e.getValue(), y.get(key))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Undefined && b instanceof Undefined) {
            return true;
        }
        return a.equals(b);
    }

    /** Python's ordering: numbers, strings (by code point) and sequences; anything else is a TypeError. */
    static int compare(Object a, Object b, String op) {
        failIfUndefined(a);
        failIfUndefined(b);
        if (isNumber(a) && isNumber(b)) {
            return a instanceof Double || b instanceof Double ? Double.compare(asDouble(a), asDouble(b))
                    : Long.compare(asLong(a), asLong(b));
        }
        if (isString(a) && isString(b)) {
            return compareCodePoints(text(a), text(b));
        }
        if (a instanceof List<?> x && b instanceof List<?> y && (a instanceof PyTuple == b instanceof PyTuple)) {
            for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
                if (!eq(x.get(i), y.get(i))) {
                    return compare(x.get(i), y.get(i), op);
                }
            }
            return Integer.compare(x.size(), y.size());
        }
        throw JinjaException.typeError("'" + op + "' not supported between instances of '" + typeName(a)
                + "' and '" + typeName(b) + "'");
    }

    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i);
            int y = b.codePointAt(j);
            if (x != y) {
                return Integer.compare(x, y);
            }
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    }

    /** {@code needle in haystack}. */
    static boolean contains(Object haystack, Object needle) {
        if (isString(haystack)) {
            if (!isString(needle)) {
                failIfUndefined(needle);
                throw JinjaException.typeError("'in <string>' requires string as left operand, not " + typeName(needle));
            }
            return text(haystack).contains(text(needle));
        }
        return switch (haystack) {
            case List<?> l -> l.stream().anyMatch(x -> eq(x, needle));
            case Map<?, ?> m -> findKey(m, needle) != MISSING;
            case Undefined u -> false;
            default -> throw JinjaException.typeError("argument of type '" + typeName(haystack) + "' is not iterable");
        };
    }

    static final Object MISSING = new Object();

    /** The key of {@code map} that equals {@code key} as Python dict lookup would find it, or MISSING. */
    static Object findKey(Map<?, ?> map, Object key) {
        Object k = key instanceof Markup m ? m.text() : key;
        if (map.containsKey(k)) {
            return k;
        }
        if (isNumber(k) || k instanceof String) {
            for (Object candidate : map.keySet()) {
                if (eq(candidate, k)) {
                    return candidate;
                }
            }
        }
        return MISSING;
    }

    static void failIfUndefined(Object v) {
        if (v instanceof Undefined u) {
            throw u.fail();
        }
    }

    // --- sequences --------------------------------------------------------------------------

    /** Python len(). */
    static long len(Object v) {
        return switch (v) {
            case String s -> s.codePointCount(0, s.length());
            case Markup m -> m.text().codePointCount(0, m.text().length());
            case List<?> l -> l.size();
            case Map<?, ?> m -> m.size();
            case Undefined u -> 0;
            case null, default -> throw JinjaException.typeError("object of type '" + typeName(v) + "' has no len()");
        };
    }

    /** The items a for loop (or list()) sees: list items, dict keys, string characters. */
    static List<Object> iterate(Object v) {
        return switch (v) {
            case List<?> l -> new ArrayList<>(l);
            case Map<?, ?> m -> new ArrayList<>(m.keySet());
            case String s -> codePointStrings(s);
            case Markup m -> new ArrayList<>(codePointStrings(m.text()).stream().map(c -> (Object) new Markup((String) c)).toList());
            case Undefined u -> new ArrayList<>();
            case null, default -> throw JinjaException.typeError("'" + typeName(v) + "' object is not iterable");
        };
    }

    static List<Object> codePointStrings(String s) {
        List<Object> out = new ArrayList<>();
        s.codePoints().forEach(cp -> out.add(new String(Character.toChars(cp))));
        return out;
    }

    // --- attribute and item access ----------------------------------------------------------

    /** {@code obj.name}: a Python attribute (a method) first, then the item, as jinja2's getattr. */
    static Object getAttr(Object obj, String name) {
        failIfUndefined(obj);
        if (name.startsWith("_")) {
            return Undefined.attribute(obj, name);
        }
        Object attribute = PyMethods.attribute(obj, name);
        if (attribute != MISSING) {
            return attribute;
        }
        if (obj instanceof Map<?, ?> m) {
            Object key = findKey(m, name);
            if (key != MISSING) {
                return m.get(key);
            }
        }
        return Undefined.attribute(obj, name);
    }

    /** {@code obj[key]}: the item first, then (for a string key) the attribute, as jinja2's getitem. */
    static Object getItem(Object obj, Object key) {
        failIfUndefined(obj);
        if (key instanceof SliceValue slice) {
            return slice.apply(obj);
        }
        switch (obj) {
            case Map<?, ?> m -> {
                Object k = findKey(m, key);
                if (k != MISSING) {
                    return m.get(k);
                }
            }
            case List<?> l when isInt(key) -> {
                long i = asLong(key);
                long index = i < 0 ? i + l.size() : i;
                return index >= 0 && index < l.size() ? l.get((int) index) : Undefined.element(obj, key);
            }
            case String s when isInt(key) -> {
                List<Object> chars = codePointStrings(s);
                long i = asLong(key);
                long index = i < 0 ? i + chars.size() : i;
                return index >= 0 && index < chars.size() ? chars.get((int) index) : Undefined.element(obj, key);
            }
            default -> { }
        }
        if (isString(key)) {
            return getAttr(obj, text(key));
        }
        return Undefined.element(obj, key);
    }

    /** A slice {@code [start:stop:step]} as a subscript value. */
    record SliceValue(Object start, Object stop, Object step) {

        Object apply(Object obj) {
            List<Object> items = switch (obj) {
                case String s -> codePointStrings(s);
                case Markup m -> codePointStrings(m.text());
                case List<?> l -> new ArrayList<>(l);
                default -> throw JinjaException.typeError("'" + typeName(obj) + "' object is not subscriptable");
            };
            int n = items.size();
            long st = step == null ? 1 : asLong(step);
            if (st == 0) {
                throw new JinjaException("ValueError", "slice step cannot be zero");
            }
            long lo;
            long hi;
            if (st > 0) {
                lo = start == null ? 0 : clamp(asLong(start), n, 0, n);
                hi = stop == null ? n : clamp(asLong(stop), n, 0, n);
            } else {
                lo = start == null ? n - 1 : clamp(asLong(start), n, -1, n - 1);
                hi = stop == null ? -1 : clamp(asLong(stop), n, -1, n - 1);
            }
            List<Object> out = new ArrayList<>();
            for (long i = lo; st > 0 ? i < hi : i > hi; i += st) {
                out.add(items.get((int) i));
            }
            return switch (obj) {
                case String s -> String.join("", out.stream().map(x -> (String) x).toList());
                case Markup m -> new Markup(String.join("", out.stream().map(x -> (String) x).toList()));
                case PyTuple t -> new PyTuple(out);
                default -> out;
            };
        }

        private static long clamp(long i, int n, long min, long max) {
            long v = i < 0 ? i + n : i;
            return Math.max(min, Math.min(max, v));
        }
    }

    // --- arithmetic -------------------------------------------------------------------------

    static Object binary(String op, Object a, Object b) {
        failIfUndefined(a);
        failIfUndefined(b);
        switch (op) {
            case "+" -> {
                if (isNumber(a) && isNumber(b)) {
                    return a instanceof Double || b instanceof Double ? (Object) (asDouble(a) + asDouble(b)) : asLong(a) + asLong(b);
                }
                if (a instanceof Markup || b instanceof Markup) {
                    if (isString(a) && isString(b)) {
                        return new Markup(Markup.escapeValue(a).text() + Markup.escapeValue(b).text());
                    }
                } else if (a instanceof String x && b instanceof String y) {
                    return x + y;
                }
                if (a instanceof List<?> x && b instanceof List<?> y && (a instanceof PyTuple == b instanceof PyTuple)) {
                    List<Object> out = new ArrayList<>(x);
                    out.addAll(y);
                    return a instanceof PyTuple ? new PyTuple(out) : out;
                }
                if (isString(a) || (a instanceof List && !(a instanceof PyTuple))) {
                    throw JinjaException.typeError("can only concatenate " + typeName(a) + " (not \"" + typeName(b)
                            + "\") to " + typeName(a));
                }
            }
            case "-" -> {
                if (isNumber(a) && isNumber(b)) {
                    return a instanceof Double || b instanceof Double ? (Object) (asDouble(a) - asDouble(b)) : asLong(a) - asLong(b);
                }
            }
            case "*" -> {
                if (isNumber(a) && isNumber(b)) {
                    return a instanceof Double || b instanceof Double ? (Object) (asDouble(a) * asDouble(b)) : asLong(a) * asLong(b);
                }
                if (isInt(b) && (isString(a) || a instanceof List)) {
                    return repeat(a, asLong(b));
                }
                if (isInt(a) && (isString(b) || b instanceof List)) {
                    return repeat(b, asLong(a));
                }
            }
            case "/" -> {
                if (isNumber(a) && isNumber(b)) {
                    if (asDouble(b) == 0) {
                        throw new JinjaException("ZeroDivisionError", "division by zero");
                    }
                    return asDouble(a) / asDouble(b);
                }
            }
            case "//" -> {
                if (isNumber(a) && isNumber(b)) {
                    if (asDouble(b) == 0) {
                        throw new JinjaException("ZeroDivisionError", "integer division or modulo by zero");
                    }
                    return a instanceof Double || b instanceof Double ? (Object) Math.floor(asDouble(a) / asDouble(b))
                            : Math.floorDiv(asLong(a), asLong(b));
                }
            }
            case "%" -> {
                if (isNumber(a) && isNumber(b)) {
                    if (asDouble(b) == 0) {
                        throw new JinjaException("ZeroDivisionError", "integer division or modulo by zero");
                    }
                    if (a instanceof Double || b instanceof Double) {
                        double x = asDouble(a);
                        double y = asDouble(b);
                        double r = x % y;
                        return r != 0 && (r < 0) != (y < 0) ? r + y : r;
                    }
                    return Math.floorMod(asLong(a), asLong(b));
                }
                if (isString(a)) {
                    return PyFormat.percent(text(a), b);
                }
            }
            case "**" -> {
                if (isNumber(a) && isNumber(b)) {
                    if (isInt(a) && isInt(b) && asLong(b) >= 0) {
                        long result = 1;
                        for (long i = 0; i < asLong(b); i++) {
                            result *= asLong(a);
                        }
                        return result;
                    }
                    return Math.pow(asDouble(a), asDouble(b));
                }
            }
            default -> throw new IllegalStateException(op);
        }
        throw JinjaException.typeError("unsupported operand type(s) for " + (op.equals("**") ? "** or pow()" : op)
                + ": '" + typeName(a) + "' and '" + typeName(b) + "'");
    }

    private static Object repeat(Object seq, long times) {
        if (isString(seq)) {
            String s = text(seq).repeat((int) Math.max(0, times));
            return seq instanceof Markup ? new Markup(s) : s;
        }
        List<Object> out = new ArrayList<>();
        for (long i = 0; i < times; i++) {
            out.addAll((List<?>) seq);
        }
        return seq instanceof PyTuple ? new PyTuple(out) : out;
    }

    static Object negate(Object v) {
        failIfUndefined(v);
        return switch (v) {
            case Double d -> -d;
            case Long l -> -l;
            case Boolean b -> b ? -1L : 0L;
            default -> throw JinjaException.typeError("bad operand type for unary -: '" + typeName(v) + "'");
        };
    }

    static Iterator<Object> iterator(Object v) {
        return iterate(v).iterator();
    }
}
