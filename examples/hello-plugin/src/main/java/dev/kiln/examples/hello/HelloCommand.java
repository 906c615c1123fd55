package dev.kiln.examples.hello;

import dev.kiln.api.command.Command;
import dev.kiln.api.command.CommandException;
import dev.kiln.api.command.CommandName;
import dev.kiln.api.command.CommandSpec;
import dev.kiln.api.command.Invocation;
import dev.kiln.api.command.OptionSpec;
import org.osgi.service.component.annotations.Component;

/**
 * {@code kiln hello --name NAME}: a whole plugin in one class. Build it, drop the jar into the
 * plugins folder of a running {@code kiln app}, and {@code kiln hello} exists.
 */
@Component
@CommandName("hello")
public final class HelloCommand implements Command {

    @Override
    public CommandSpec spec() {
        return CommandSpec.summary("Greet someone (an example plugin).")
                .option(OptionSpec.of("--name", "-n")
                        .description("Who to greet.")
                        .defaultValue("world")
                        .build())
                .option(OptionSpec.of("--times")
                        .type(Integer.class)
                        .description("How many times to greet, 1 to 10.")
                        .defaultValue("1")
                        .build())
                .build();
    }

    @Override
    public int run(Invocation invocation) throws CommandException {
        int times = invocation.require("--times", Integer.class);
        if (times < 1 || times > 10) {
            throw new CommandException("--times must be between 1 and 10, got " + times,
                    CommandException.USAGE);
        }
        String name = invocation.require("--name", String.class);
        for (int i = 0; i < times; i++) {
            invocation.out().println("Hello, " + name + "!");
        }
        return 0;
    }
}
