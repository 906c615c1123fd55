package dev.kiln.api.command;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A {@code kiln} subcommand. Register it as a service with a {@link CommandName} property:
 *
 * <pre>{@code
 * @Component
 * @CommandName("hello")
 * public class HelloCommand implements Command { ... }
 * }</pre>
 */
@ConsumerType
public interface Command {

    /** What the command is called with: its summary, options and positional parameters. */
    CommandSpec spec();

    /**
     * Runs the command with the arguments the kernel parsed against {@link #spec()}.
     *
     * @return the process exit code: 0 for success
     * @throws CommandException for a failure the user should see as one clear line
     */
    int run(Invocation invocation) throws Exception;
}
