package dev.kiln.itests.sample.broken;

import dev.kiln.api.command.Command;
import dev.kiln.api.command.CommandName;
import dev.kiln.api.command.CommandSpec;
import dev.kiln.api.command.Invocation;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * A command whose component cannot activate, as a plugin that finds its model file corrupt.
 * Immediate, so that it fails as soon as its bundle starts rather than when first used.
 */
@Component(immediate = true)
@CommandName("explode")
public final class ExplodingCommand implements Command {

    public static final String FAILURE = "sample failure: the model file is corrupt";

    @Activate
    void activate() {
        throw new IllegalStateException(FAILURE);
    }

    @Override
    public CommandSpec spec() {
        return CommandSpec.summary("Never available: its component fails to activate.").build();
    }

    @Override
    public int run(Invocation invocation) {
        return 0;
    }
}
