package dev.kiln.core.quickstart;

import dev.kiln.api.command.CommandSpec;
import dev.kiln.api.command.Invocation;
import dev.kiln.api.command.OptionSpec;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The invocation of another command's job with options set in code, as if typed: each value is
 * text, converted to the type the caller asks for, and an option left out has its default from
 * the command's spec. So the quickstart runs {@code pt}, {@code sft} and {@code export} through
 * the very code the command line runs.
 */
final class JobInvocation implements Invocation {

    private final Map<String, OptionSpec> options = new LinkedHashMap<>();
    private final Map<String, List<String>> values;
    private final PrintStream out;
    private final PrintStream err;
    private final Path workingDirectory;

    /**
     * @param values option name (without dashes) to its values
     * @throws IllegalArgumentException for a name the spec does not declare
     */
    JobInvocation(CommandSpec spec, Map<String, List<String>> values, PrintStream out, PrintStream err,
            Path workingDirectory) {
        for (OptionSpec option : spec.options()) {
            option.names().forEach(n -> options.put(stripDashes(n), option));
        }
        values.keySet().forEach(this::spec);
        this.values = Map.copyOf(values);
        this.out = out;
        this.err = err;
        this.workingDirectory = workingDirectory;
    }

    @Override
    public <T> Optional<T> option(String name, Class<T> type) {
        List<String> given = given(name);
        String text = given.isEmpty() ? spec(name).defaultValue().orElse(null) : given.getFirst();
        return text == null ? Optional.empty() : Optional.of(type.cast(convert(text, type)));
    }

    private static Object convert(String text, Class<?> type) {
        if (type == String.class) {
            return text;
        }
        if (type == Boolean.class) {
            return Boolean.parseBoolean(text);
        }
        if (type == Integer.class) {
            return Integer.parseInt(text);
        }
        if (type == Long.class) {
            return Long.parseLong(text);
        }
        if (type == Double.class) {
            return Double.parseDouble(text);
        }
        if (type == Path.class) {
            return Path.of(text);
        }
        throw new IllegalArgumentException("no conversion of option values to " + type.getSimpleName());
    }

    @Override
    public List<String> values(String name) {
        List<String> given = given(name);
        if (!given.isEmpty()) {
            return given;
        }
        return spec(name).defaultValue().map(List::of).orElse(List.of());
    }

    /** The values set for the option under any of its names. */
    private List<String> given(String name) {
        OptionSpec spec = spec(name);
        for (String n : spec.names()) {
            List<String> v = values.get(stripDashes(n));
            if (v != null) {
                return v;
            }
        }
        return List.of();
    }

    private OptionSpec spec(String name) {
        OptionSpec spec = options.get(stripDashes(name));
        if (spec == null) {
            throw new IllegalArgumentException("the command declares no option " + name);
        }
        return spec;
    }

    private static String stripDashes(String name) {
        return name.replaceFirst("^-+", "");
    }

    @Override
    public List<String> parameters() {
        return List.of();
    }

    @Override
    public PrintStream out() {
        return out;
    }

    @Override
    public PrintStream err() {
        return err;
    }

    @Override
    public Path workingDirectory() {
        return workingDirectory;
    }
}
