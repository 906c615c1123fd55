package dev.kiln.core.backend;

import dev.kiln.core.cli.Table;
import java.io.PrintStream;
import java.util.List;

/**
 * What {@code kiln backend} does to the jobs of one runtime, with the text it shows: list them
 * with their devices, or move them all to another device. The same for the runtime a command runs
 * in ({@code kiln shell}) and for another runtime asked over its {@link ControlSocket}.
 */
public final class BackendControl {

    /** Exit code when a job could not move; the rest moved. */
    public static final int SOME_STAYED = 1;

    private BackendControl() {}

    /** Prints the jobs, the device each runs on, since when, and its last move. */
    public static void list(LiveJobs jobs, PrintStream out) {
        List<LiveJobs.Job> running = jobs.jobs();
        if (running.isEmpty()) {
            out.println("No job is running in this runtime.");
            return;
        }
        Table table = new Table("JOB", "DEVICE", "SINCE", "MOVES", "LAST MOVE");
        for (LiveJobs.Job job : running) {
            List<DeviceMove> moves = job.device().moves();
            table.row(job.name(), job.device().name(), job.since(), moves.size(),
                    moves.isEmpty() ? "-" : moves.getLast().describe());
        }
        table.print(out);
    }

    /**
     * Moves every job to {@code device}, printing each move to {@code out} and each job that
     * stayed to {@code err}.
     *
     * @return 0, or {@link #SOME_STAYED}
     * @throws IllegalArgumentException when the device name is malformed
     * @throws IllegalStateException when no installed backend fits the name or it cannot open
     */
    public static int use(LiveJobs jobs, String device, PrintStream out, PrintStream err) {
        if (jobs.jobs().isEmpty()) {
            out.println("No job is running in this runtime: nothing to move.");
            return 0;
        }
        int code = 0;
        for (LiveJobs.Outcome outcome : jobs.moveAll(device)) {
            String job = "job '" + outcome.job().name() + "' ";
            if (outcome.move().isPresent()) {
                out.println(job + outcome.move().get().describe());
            } else {
                code = SOME_STAYED;
                err.println(job + "stays on " + outcome.job().device().name() + ": " + outcome.failure().orElse(""));
            }
        }
        return code;
    }
}
