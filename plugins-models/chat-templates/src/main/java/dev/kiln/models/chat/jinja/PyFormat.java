package dev.kiln.models.chat.jinja;

import java.util.List;
import java.util.Map;

/** The two Python string formatting forms templates use: {@code '%s' % x} and {@code '{}'.format(x)}. */
final class PyFormat {

    private PyFormat() {}

    /** printf-style formatting with %s, %r, %d, %i, %f and %%. */
    static String percent(String format, Object args) {
        List<?> values = args instanceof PyTuple t ? t : List.of(args == null ? "None" : args);
        if (args == null) {
            values = java.util.Collections.singletonList(null);
        }
        StringBuilder out = new StringBuilder();
        int next = 0;
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%') {
                out.append(c);
                continue;
            }
            if (++i >= format.length()) {
                throw new JinjaException("ValueError", "incomplete format");
            }
            char conversion = format.charAt(i);
            if (conversion == '%') {
                out.append('%');
                continue;
            }
            if (next >= values.size()) {
                throw JinjaException.typeError("not enough arguments for format string");
            }
            Object v = values.get(next++);
            out.append(switch (conversion) {
                case 's' -> Py.str(v);
                case 'r' -> Py.repr(v);
                case 'd', 'i' -> Long.toString(Py.isNumber(v) ? (long) Py.asDouble(v) : Py.asLong(v));
                case 'f' -> String.format(java.util.Locale.ROOT, "%.6f", Py.asDouble(v));
                default -> throw new JinjaException("ValueError", "unsupported format character '" + conversion + "'");
            });
        }
        if (next < values.size()) {
            throw JinjaException.typeError("not all arguments converted during string formatting");
        }
        return out.toString();
    }

    /** str.format with {}, {0} and {name} fields (no format specs). */
    static String braces(String format, List<Object> args, Map<String, Object> kwargs) {
        StringBuilder out = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c == '{' && i + 1 < format.length() && format.charAt(i + 1) == '{') {
                out.append('{');
                i++;
            } else if (c == '}' && i + 1 < format.length() && format.charAt(i + 1) == '}') {
                out.append('}');
                i++;
            } else if (c == '{') {
                int close = format.indexOf('}', i);
                if (close < 0) {
                    throw new JinjaException("ValueError", "Single '{' encountered in format string");
                }
                String field = format.substring(i + 1, close);
                Object v;
                if (field.isEmpty()) {
                    v = args.get(auto++);
                } else if (field.chars().allMatch(Character::isDigit)) {
                    v = args.get(Integer.parseInt(field));
                } else if (kwargs.containsKey(field)) {
                    v = kwargs.get(field);
                } else {
                    throw new JinjaException("KeyError", Py.repr(field));
                }
                out.append(Py.str(v));
                i = close;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
