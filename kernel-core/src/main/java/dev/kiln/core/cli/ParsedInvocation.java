package dev.kiln.core.cli;

import dev.kiln.api.command.Invocation;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Model.OptionSpec;

/** An {@link Invocation} backed by picocli's parse of the command line. */
final class ParsedInvocation implements Invocation {

    private final Map<String, OptionSpec> optionsByName;
    private final List<String> parameters;
    private final PrintStream out;
    private final PrintStream err;
    private final Path workingDirectory;

    ParsedInvocation(Map<String, OptionSpec> optionsByName, List<String> parameters,
            PrintStream out, PrintStream err, Path workingDirectory) {
        this.optionsByName = optionsByName;
        this.parameters = List.copyOf(parameters);
        this.out = out;
        this.err = err;
        this.workingDirectory = workingDirectory;
    }

    @Override
    public <T> Optional<T> option(String name, Class<T> type) {
        Object value = spec(name).getValue();
        if (value == null) {
            return Optional.empty();
        }
        if (!type.isInstance(value)) {
            throw new IllegalArgumentException("option " + name + " holds a "
                    + value.getClass().getSimpleName() + ", not a " + type.getSimpleName());
        }
        return Optional.of(type.cast(value));
    }

    @Override
    public List<String> values(String name) {
        Object value = spec(name).getValue();
        if (value == null) {
            return List.of();
        }
        if (value instanceof List<?> list) {
            return list.stream().map(String::valueOf).toList();
        }
        return List.of(String.valueOf(value));
    }

    @Override
    public List<String> parameters() {
        return parameters;
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

    private OptionSpec spec(String name) {
        OptionSpec spec = optionsByName.get(stripDashes(name));
        if (spec == null) {
            throw new IllegalArgumentException("the command declares no option " + name
                    + "; it declares " + optionsByName.keySet());
        }
        return spec;
    }

    static String stripDashes(String name) {
        int i = 0;
        while (i < name.length() && name.charAt(i) == '-') {
            i++;
        }
        return name.substring(i);
    }
}
