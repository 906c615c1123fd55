package dev.kiln.core.commands;

import dev.kiln.api.command.Command;
import dev.kiln.api.command.CommandName;
import dev.kiln.api.command.CommandSpec;
import dev.kiln.api.command.Invocation;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * {@code kiln shell}: the same runtime as {@code kiln app}, with an interactive Apache Felix
 * Gogo shell on the console, where every Kiln command is {@code kiln <command> ...}.
 */
@Component
@CommandName("shell")
public final class ShellCommand extends RuntimeCommand implements Command {

    @Activate
    public ShellCommand(BundleContext context) {
        super(context);
    }

    @Deactivate
    void deactivate() {
        stop();
    }

    @Override
    public CommandSpec spec() {
        return CommandSpec.summary("Run the Kiln runtime with an interactive Gogo shell.")
                .description("In the shell, 'kiln plugins', 'kiln backends' and every other Kiln command "
                        + "work as on the command line; 'lb' lists bundles, 'help' lists Gogo "
                        + "commands, 'exit 0' stops the runtime.")
                .build();
    }

    @Override
    public int run(Invocation invocation) throws InterruptedException {
        invocation.out().println("kiln: runtime up; watching " + pluginsDir()
                + " for plugins; type 'kiln --help', or 'exit 0' to stop");
        return runUntilStopped(invocation);
    }
}
