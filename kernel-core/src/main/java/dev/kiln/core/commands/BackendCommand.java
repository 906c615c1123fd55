package dev.kiln.core.commands;

import dev.kiln.api.command.Command;
import dev.kiln.api.command.CommandException;
import dev.kiln.api.command.CommandName;
import dev.kiln.api.command.CommandSpec;
import dev.kiln.api.command.Invocation;
import dev.kiln.api.command.OptionSpec;
import dev.kiln.core.backend.BackendControl;
import dev.kiln.core.backend.ControlDirectory;
import dev.kiln.core.backend.LiveJobs;
import dev.kiln.core.backend.RuntimeControl;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code kiln backend}: the jobs of this runtime with the device each runs on and since when;
 * {@code kiln backend use DEVICE}: moves them all there, each at its next kernel boundary. It
 * acts on the runtime it runs in when that has jobs ({@code kiln shell}), else on the other
 * runtimes of the user through their {@link RuntimeControl control sockets}.
 */
@Component
@CommandName("backend")
public final class BackendCommand implements Command {

    private final LiveJobs jobs;

    @Activate
    public BackendCommand(@Reference LiveJobs jobs) {
        this.jobs = jobs;
    }

    @Override
    public CommandSpec spec() {
        return CommandSpec.summary("Show which backend each running job uses, or move them all to another one.")
                .description("'kiln backend' lists the running jobs (served models, chats, training runs), the "
                        + "device each runs on and since when. 'kiln backend use DEVICE' (cpu, opencl, opencl:1) "
                        + "moves every job's model, caches and optimizer state there between two of its kernel "
                        + "calls; a job the device cannot hold stays where it was. It acts on the jobs of the "
                        + "runtime it runs in ('kiln shell'), else on those of the other Kiln runtimes of this "
                        + "user ('kiln deploy', 'kiln sft', 'kiln pt', ...), reached through their control sockets "
                        + "in $" + ControlDirectory.ENVIRONMENT + " (default: kiln-USER in the temporary folder).")
                .parameters("use DEVICE", "'use' and the device to move the jobs to")
                .option(OptionSpec.of("--pid").type(Long.class).paramLabel("PID")
                        .description("The runtime to act on, by process id, when several have running jobs.")
                        .build())
                .build();
    }

    @Override
    public int run(Invocation invocation) throws CommandException {
        List<String> parameters = invocation.parameters();
        String request;
        if (parameters.isEmpty()) {
            request = "list";
        } else if (parameters.size() == 2 && parameters.getFirst().equals("use")) {
            request = "use " + parameters.get(1);
        } else {
            throw new CommandException("expected 'kiln backend' or 'kiln backend use DEVICE', got 'kiln backend "
                    + String.join(" ", parameters) + "'", CommandException.USAGE);
        }
        Optional<Long> pid = invocation.option("--pid", Long.class);
        if (pid.isEmpty() && !jobs.jobs().isEmpty()) {
            return here(request, invocation); // kiln shell: the jobs run in this runtime
        }
        return elsewhere(request, pid, invocation);
    }

    private int here(String request, Invocation invocation) throws CommandException {
        if (request.equals("list")) {
            BackendControl.list(jobs, invocation.out());
            return 0;
        }
        try {
            return BackendControl.use(jobs, request.substring("use ".length()), invocation.out(), invocation.err());
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new CommandException(e.getMessage(), CommandException.FAILURE);
        }
    }

    /** Asks the other runtimes of this user, through their control sockets. */
    private int elsewhere(String request, Optional<Long> pid, Invocation invocation) throws CommandException {
        Path directory = ControlDirectory.resolve();
        List<RuntimeControl.Runtime> runtimes;
        try {
            runtimes = RuntimeControl.running(directory);
        } catch (IOException e) {
            throw new CommandException("cannot list the Kiln runtimes in " + directory + ": " + e.getMessage());
        }
        if (pid.isPresent()) {
            runtimes = runtimes.stream().filter(r -> r.pid() == pid.get()).toList();
            if (runtimes.isEmpty()) {
                throw new CommandException("--pid " + pid.get() + ": no Kiln runtime with running jobs has that"
                        + " process id (their control sockets are in " + directory + ")");
            }
        }
        if (runtimes.isEmpty()) {
            invocation.out().println("No job is running in this runtime or in another Kiln runtime of this user"
                    + (request.equals("list") ? "." : ": nothing to move."));
            return 0;
        }
        if (runtimes.size() > 1 && !request.equals("list")) {
            throw new CommandException(runtimes.size() + " Kiln runtimes have running jobs (process ids "
                    + String.join(", ", runtimes.stream().map(r -> String.valueOf(r.pid())).toList())
                    + "): name one with --pid", CommandException.USAGE);
        }
        int code = 0;
        for (RuntimeControl.Runtime runtime : runtimes) {
            if (runtimes.size() > 1) {
                invocation.out().println("Runtime " + runtime.pid() + ":");
            }
            try {
                code = Math.max(code, RuntimeControl.send(runtime, request, invocation.out(), invocation.err()));
            } catch (IOException e) {
                throw new CommandException("runtime " + runtime.pid() + " (" + runtime.socket() + "): "
                        + e.getMessage());
            }
        }
        return code;
    }
}
