package dev.kiln.models.chat.jinja;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** jinja2's built-in tests ({@code is defined}, {@code is string}, {@code is mapping}, ...). */
final class Tests {

    private Tests() {}

    static final Set<String> NAMES = Set.of("odd", "even", "divisibleby", "defined", "undefined", "filter", "test",
            "none", "boolean", "false", "true", "integer", "float", "lower", "upper", "string", "mapping", "number",
            "sequence", "iterable", "callable", "sameas", "escaped", "in", "==", "eq", "equalto", "!=", "ne", ">",
            "gt", "greaterthan", ">=", "ge", "<", "lt", "lessthan", "<=", "le");

    static boolean apply(String name, Object v, Args args) {
        return switch (name) {
            case "odd" -> Py.asLong(Py.binary("%", v, 2L)) == 1;
            case "even" -> Py.asLong(Py.binary("%", v, 2L)) == 0;
            case "divisibleby" -> Py.eq(Py.binary("%", v, args.required(0, "num")), 0L);
            case "defined" -> !(v instanceof Undefined);
            case "undefined" -> v instanceof Undefined;
            case "filter" -> Filters.NAMES.contains(Py.str(v));
            case "test" -> NAMES.contains(Py.str(v));
            case "none" -> v == null;
            case "boolean" -> v instanceof Boolean;
            case "false" -> Boolean.FALSE.equals(v);
            case "true" -> Boolean.TRUE.equals(v);
            case "integer" -> v instanceof Long;
            case "float" -> v instanceof Double;
            case "lower" -> (Boolean) PyMethods.stringMethod(Py.str(v), "islower", new Args("islower", List.of(), Map.of()));
            case "upper" -> (Boolean) PyMethods.stringMethod(Py.str(v), "isupper", new Args("isupper", List.of(), Map.of()));
            case "string" -> Py.isString(v);
            case "mapping" -> v instanceof Map;
            case "number" -> Py.isNumber(v);
            case "sequence" -> Py.isString(v) || v instanceof List || v instanceof Map || v instanceof Undefined;
            case "iterable" -> Py.isString(v) || v instanceof List || v instanceof Map || v instanceof Undefined;
            case "callable" -> v instanceof JinjaCallable;
            case "sameas" -> sameAs(v, args.required(0, "other"));
            case "escaped" -> v instanceof Markup;
            case "in" -> Py.contains(args.required(0, "seq"), v);
            case "==", "eq", "equalto" -> Py.eq(v, args.required(0, "other"));
            case "!=", "ne" -> !Py.eq(v, args.required(0, "other"));
            case ">", "gt", "greaterthan" -> Py.compare(v, args.required(0, "other"), ">") > 0;
            case ">=", "ge" -> Py.compare(v, args.required(0, "other"), ">=") >= 0;
            case "<", "lt", "lessthan" -> Py.compare(v, args.required(0, "other"), "<") < 0;
            case "<=", "le" -> Py.compare(v, args.required(0, "other"), "<=") <= 0;
            default -> throw new JinjaException("TemplateRuntimeError", "No test named '" + name + "' found.");
        };
    }

    /** Python's {@code is}: None, booleans and small values by value, everything else by identity. */
    private static boolean sameAs(Object a, Object b) {
        if (a == null || b == null || a instanceof Boolean || b instanceof Boolean) {
            return a == b || (a != null && a.equals(b));
        }
        return a == b;
    }
}
