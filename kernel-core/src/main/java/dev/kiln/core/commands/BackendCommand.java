package dev.kiln.core.commands;

import dev.kiln.api.command.Command;
import dev.kiln.api.command.CommandException;
import dev.kiln.api.command.CommandName;
import dev.kiln.api.command.CommandSpec;
import dev.kiln.api.command.Invocation;
import dev.kiln.core.backend.DeviceMove;
import dev.kiln.core.backend.LiveJobs;
import dev.kiln.core.cli.Table;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code kiln backend}: the jobs of this runtime with the device each runs on and since when;
 * {@code kiln backend use DEVICE}: moves them all there, each at its next kernel boundary. It
 * acts on the runtime it runs in: in {@code kiln shell}, the jobs that shell's runtime serves.
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
                .description("'kiln backend' lists the jobs of this runtime (served models, training runs), the "
                        + "device each runs on and since when. 'kiln backend use DEVICE' (cpu, opencl, opencl:1) "
                        + "moves every job's model, caches and optimizer state there between two of its kernel "
                        + "calls; a job the device cannot hold stays where it was. Run it in 'kiln shell', where "
                        + "the jobs run.")
                .parameters("use DEVICE", "'use' and the device to move the jobs to")
                .build();
    }

    @Override
    public int run(Invocation invocation) throws CommandException {
        List<String> parameters = invocation.parameters();
        if (parameters.isEmpty()) {
            return list(invocation);
        }
        if (parameters.size() != 2 || !parameters.getFirst().equals("use")) {
            throw new CommandException("expected 'kiln backend' or 'kiln backend use DEVICE', got 'kiln backend "
                    + String.join(" ", parameters) + "'", CommandException.USAGE);
        }
        if (jobs.jobs().isEmpty()) {
            invocation.out().println("No job is running in this runtime: nothing to move.");
            return 0;
        }
        List<LiveJobs.Outcome> outcomes;
        try {
            outcomes = jobs.moveAll(parameters.get(1));
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new CommandException(e.getMessage(), CommandException.FAILURE);
        }
        boolean failed = false;
        for (LiveJobs.Outcome outcome : outcomes) {
            String job = "job '" + outcome.job().name() + "' ";
            if (outcome.move().isPresent()) {
                invocation.out().println(job + outcome.move().get().describe());
            } else {
                failed = true;
                invocation.err().println(job + "stays on " + outcome.job().device().name() + ": "
                        + outcome.failure().orElse(""));
            }
        }
        return failed ? CommandException.FAILURE : 0;
    }

    private int list(Invocation invocation) {
        List<LiveJobs.Job> running = jobs.jobs();
        if (running.isEmpty()) {
            invocation.out().println("No job is running in this runtime.");
            return 0;
        }
        Table table = new Table("JOB", "DEVICE", "SINCE", "MOVES", "LAST MOVE");
        for (LiveJobs.Job job : running) {
            List<DeviceMove> moves = job.device().moves();
            table.row(job.name(), job.device().name(), job.since(), moves.size(),
                    moves.isEmpty() ? "-" : moves.getLast().describe());
        }
        table.print(invocation.out());
        return 0;
    }
}
