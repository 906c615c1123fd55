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
 * {@code kiln app}: the long-running runtime. The launcher starts it with Felix FileInstall
 * watching the plugins folder, so a bundle copied there goes live, a changed one is updated and
 * a deleted one is uninstalled, all without a restart.
 */
@Component
@CommandName("app")
public final class AppCommand extends RuntimeCommand implements Command {

    @Activate
    public AppCommand(BundleContext context) {
        super(context);
    }

    @Deactivate
    void deactivate() {
        stop();
    }

    @Override
    public CommandSpec spec() {
        return CommandSpec.summary("Run the Kiln runtime; plugins dropped into the plugins folder go live.")
                .description("Runs until stopped with Ctrl-C. Bundles (.jar) copied into the plugins "
                        + "folder are installed and started, replaced ones are updated, deleted ones "
                        + "are uninstalled. Every change is reported on standard output.")
                .build();
    }

    @Override
    public int run(Invocation invocation) throws InterruptedException {
        invocation.out().println("kiln: runtime up; watching " + pluginsDir()
                + " for plugins (Ctrl-C to stop)");
        return runUntilStopped(invocation);
    }
}
