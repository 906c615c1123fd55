package dev.kiln.core.cli;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Makes every Kiln command available in the Gogo shell as {@code kiln <command> ...}. Gogo finds
 * the method by the {@code osgi.command.*} properties; no Gogo API is needed.
 */
@Component(service = Object.class,
        property = {"osgi.command.scope=kiln", "osgi.command.function=kiln"})
public final class GogoKilnCommand {

    private final KilnCommandLine commandLine;

    @Activate
    public GogoKilnCommand(@Reference KilnCommandLine commandLine) {
        this.commandLine = commandLine;
    }

    /**
     * {@code kiln plugins}, {@code kiln backends}, ... typed at the Gogo prompt. Gogo prints what
     * a function returns, so success returns nothing and a failure its exit code.
     */
    public Integer kiln(String... args) {
        int code = commandLine.run(args, System.out, System.err, System.getProperty("user.dir"));
        return code == 0 ? null : code;
    }
}
