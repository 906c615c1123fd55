package dev.kiln.api.command;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One run of a {@link Command}: the parsed option values and the streams to talk to the user.
 * Values have already been converted to the {@link OptionSpec#type() type} the option declared,
 * and defaults applied.
 */
@ProviderType
public interface Invocation {

    /** The value of an option, by any of its names (with or without leading dashes). */
    <T> Optional<T> option(String name, Class<T> type);

    /** The value of an option that has a default or is required. */
    default <T> T require(String name, Class<T> type) {
        return option(name, type).orElseThrow(
                () -> new IllegalArgumentException("option " + name + " has no value"));
    }

    /** Whether a flag (an option of type {@code boolean}) was given. */
    default boolean flag(String name) {
        return option(name, Boolean.class).orElse(false);
    }

    /** All values of a repeatable option, in the order given; empty when none. */
    List<String> values(String name);

    /** The positional parameters, in order. */
    List<String> parameters();

    /** Where normal output goes. */
    PrintStream out();

    /** Where diagnostics go. */
    PrintStream err();

    /** The directory the user ran {@code kiln} from: relative paths resolve against it. */
    Path workingDirectory();
}
