package dev.kiln.core.train.job;

import dev.kiln.api.command.CommandException;
import dev.kiln.api.command.Invocation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The arguments of a run: each option's value from the command line, else from the
 * {@code --config} YAML file, else its default, converted to its kind. Conversion errors name
 * the option (and the YAML file and line); a YAML key that is no option is an error that lists
 * the closest option names.
 */
public final class ResolvedArguments {

    private final Map<String, Option> options = new LinkedHashMap<>();
    private final Map<String, Object> values = new LinkedHashMap<>();
    private final Set<String> given = new LinkedHashSet<>();

    private ResolvedArguments() {}

    /**
     * @param yaml the {@code --config} file, or null
     * @throws CommandException (usage) for a value that does not convert or an unknown YAML key
     */
    static ResolvedArguments resolve(List<Option> table, Invocation in, YamlConfig yaml)
            throws CommandException {
        ResolvedArguments args = new ResolvedArguments();
        Map<String, Option> byName = new LinkedHashMap<>();
        for (Option option : table) {
            args.options.put(option.name(), option);
            option.names().forEach(n -> byName.put(n, option));
        }
        Map<String, Object> fromYaml = new LinkedHashMap<>();
        if (yaml != null) {
            for (Map.Entry<String, Object> e : yaml.values().entrySet()) {
                Option option = byName.get(e.getKey());
                if (option == null || option.name().equals("config")) {
                    throw new CommandException(yaml.where(e.getKey()) + ": unknown key '" + e.getKey()
                            + "'" + suggestion(e.getKey(), byName.keySet()), CommandException.USAGE);
                }
                if (fromYaml.containsKey(option.name())) {
                    throw new CommandException(yaml.where(e.getKey()) + ": '" + e.getKey()
                            + "' sets " + option.name() + " a second time", CommandException.USAGE);
                }
                fromYaml.put(option.name(), e.getValue());
            }
        }
        for (Option option : table) {
            Object raw = commandLine(in, option);
            String origin = "--" + option.name();
            if (raw == null && fromYaml.containsKey(option.name())) {
                raw = fromYaml.get(option.name());
                origin = yaml.where(yamlKey(yaml, option)) + ": " + yamlKey(yaml, option);
            }
            if (raw != null) {
                args.given.add(option.name());
            } else if (option.defaultValue() != null) {
                raw = option.kind() == Option.Kind.LIST ? List.of(option.defaultValue().split(" "))
                        : option.defaultValue();
            }
            if (raw != null) {
                args.values.put(option.name(), convert(option, raw, origin, in));
            }
        }
        return args;
    }

    private static String yamlKey(YamlConfig yaml, Option option) {
        return option.names().stream().filter(yaml.values()::containsKey).findFirst().orElse(option.name());
    }

    private static Object commandLine(Invocation in, Option option) {
        if (option.kind() == Option.Kind.LIST) {
            List<String> values = in.values("--" + option.name());
            return values.isEmpty() ? null : values;
        }
        return in.option("--" + option.name(), String.class).orElse(null);
    }

    private static Object convert(Option option, Object raw, String origin, Invocation in)
            throws CommandException {
        if (option.kind() == Option.Kind.LIST) {
            List<String> items = new ArrayList<>();
            if (raw instanceof List<?> list) {
                list.forEach(item -> items.add(String.valueOf(item)));
            } else {
                items.add(String.valueOf(raw));
            }
            return Collections.unmodifiableList(items);
        }
        if (raw instanceof List<?>) {
            throw new CommandException(origin + ": takes one value, not a list", CommandException.USAGE);
        }
        String text = String.valueOf(raw).strip();
        try {
            return switch (option.kind()) {
                case STRING -> text;
                case PATH -> in.workingDirectory().resolve(text).normalize();
                case INT -> Integer.parseInt(text);
                case LONG -> Long.parseLong(text);
                case DOUBLE -> Double.parseDouble(text);
                case BOOL -> switch (text.toLowerCase(Locale.ROOT)) {
                    case "true" -> true;
                    case "false" -> false;
                    default -> throw new NumberFormatException();
                };
                case LIST -> throw new IllegalStateException("handled above");
            };
        } catch (NumberFormatException e) {
            String expected = switch (option.kind()) {
                case INT, LONG -> "an integer";
                case DOUBLE -> "a number";
                case BOOL -> "true or false";
                default -> "a value";
            };
            throw new CommandException(origin + ": '" + text + "' is not " + expected,
                    CommandException.USAGE);
        }
    }

    /** " (did you mean x?)" for the closest names, by edit distance. */
    private static String suggestion(String key, Set<String> names) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String name : names) {
            int d = distance(key, name);
            if (d < bestDistance) {
                bestDistance = d;
                best = name;
            }
        }
        return best != null && bestDistance <= Math.max(2, key.length() / 3)
                ? " (did you mean '" + best + "'?)" : "; see 'kiln sft --help' for the options";
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    /** Whether the user set the option (command line or YAML), not its default. */
    public boolean given(String name) {
        return given.contains(name);
    }

    public Optional<String> string(String name) {
        return Optional.ofNullable((String) value(name));
    }

    public Optional<Path> path(String name) {
        return Optional.ofNullable((Path) value(name));
    }

    public Optional<Integer> integer(String name) {
        return Optional.ofNullable((Integer) value(name));
    }

    public Optional<Long> longValue(String name) {
        return Optional.ofNullable((Long) value(name));
    }

    public Optional<Double> decimal(String name) {
        return Optional.ofNullable((Double) value(name));
    }

    public Optional<Boolean> bool(String name) {
        return Optional.ofNullable((Boolean) value(name));
    }

    @SuppressWarnings("unchecked")
    public List<String> list(String name) {
        Object value = value(name);
        return value == null ? List.of() : (List<String>) value;
    }

    private Object value(String name) {
        if (!options.containsKey(name)) {
            throw new IllegalArgumentException("no option '" + name + "'");
        }
        return values.get(name);
    }

    /** The values the user gave, by name (command line and YAML), as the tuner receives them. */
    public Map<String, Object> givenValues(List<String> names) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String name : names) {
            if (given.contains(name)) {
                out.put(name, values.get(name));
            }
        }
        return out;
    }

    /** Every value, defaults included, for args.json: paths and values as text, numbers as numbers. */
    public Map<String, Object> toJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        values.forEach((name, value) -> out.put(name, value instanceof Path p ? p.toString() : value));
        return out;
    }
}
