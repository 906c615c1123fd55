package dev.kiln.itests.sample.v2;

import dev.kiln.api.command.Command;
import dev.kiln.api.command.CommandName;
import dev.kiln.api.command.CommandSpec;
import dev.kiln.api.command.Invocation;
import org.osgi.service.component.annotations.Component;

/** {@code kiln greet}, version 2 of the sample plugin: the update of version 1. */
@Component
@CommandName("greet")
public final class GreetCommand implements Command {

    public static final String GREETING = "Greetings from sample plugin v2";

    @Override
    public CommandSpec spec() {
        return CommandSpec.summary("Greet (sample plugin of the integration tests, updated).").build();
    }

    @Override
    public int run(Invocation invocation) {
        invocation.out().println(GREETING);
        return 0;
    }
}
