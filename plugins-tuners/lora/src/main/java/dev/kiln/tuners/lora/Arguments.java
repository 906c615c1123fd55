package dev.kiln.tuners.lora;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The user's arguments by option name without dashes ({@code lora_rank}), as the command line
 * or a YAML config gives them: numbers as numbers or strings, booleans as booleans or
 * {@code true}/{@code false}, lists as lists or one string of names separated by spaces or commas.
 * Errors name the option as the user typed it.
 */
final class Arguments {

    private final Map<String, Object> values;

    Arguments(Map<String, Object> values) {
        this.values = values;
    }

    /** The value of {@code name}, or empty when it is absent or null. */
    Optional<Object> value(String name) {
        Object v = values.get(name);
        if (v == null) {
            v = values.get("--" + name);
        }
        return Optional.ofNullable(v);
    }

    int integer(String name, int defaultValue) {
        return value(name).map(v -> {
            double d = number(name, v, "an integer");
            if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
                throw invalid(name, "an integer", v);
            }
            return (int) d;
        }).orElse(defaultValue);
    }

    double decimal(String name, double defaultValue) {
        return value(name).map(v -> number(name, v, "a number")).orElse(defaultValue);
    }

    boolean bool(String name, boolean defaultValue) {
        return value(name).map(v -> {
            if (v instanceof Boolean b) {
                return b;
            }
            return switch (v.toString().trim().toLowerCase(Locale.ROOT)) {
                case "true" -> true;
                case "false" -> false;
                default -> throw invalid(name, "true or false", v);
            };
        }).orElse(defaultValue);
    }

    Optional<String> string(String name) {
        return value(name).map(Object::toString).map(String::trim).filter(s -> !s.isEmpty());
    }

    /** A list of names; empty when absent. */
    List<String> strings(String name) {
        Optional<Object> v = value(name);
        if (v.isEmpty()) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        if (v.get() instanceof List<?> list) {
            list.forEach(item -> split(String.valueOf(item), names));
        } else {
            split(v.get().toString(), names);
        }
        return List.copyOf(names);
    }

    static IllegalArgumentException invalid(String name, String expected, Object actual) {
        return new IllegalArgumentException("--" + name + " must be " + expected + ", not '"
                + actual + "'");
    }

    private static double number(String name, Object v, String expected) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        try {
            return Double.parseDouble(v.toString().trim());
        } catch (NumberFormatException e) {
            throw invalid(name, expected, v);
        }
    }

    private static void split(String text, List<String> into) {
        for (String part : text.split("[\\s,]+")) {
            if (!part.isEmpty()) {
                into.add(part);
            }
        }
    }
}
