package dev.kiln.itests.sample.v1;

import dev.kiln.api.command.Command;
import dev.kiln.api.command.CommandName;
import dev.kiln.api.command.CommandSpec;
import dev.kiln.api.command.Invocation;
import org.osgi.service.component.annotations.Component;

/** {@code kiln greet}, version 1 of the sample plugin. */
@Component
@CommandName("greet")
public final class GreetCommand implements Command {

    public static final String GREETING = "Greetings from sample plugin v1";

    @Override
    public CommandSpec spec() {
        return CommandSpec.summary("Greet (sample plugin of the integration tests).").build();
    }

    @Override
    public int run(Invocation invocation) {
        invocation.out().println(GREETING);
        return 0;
    }
}
