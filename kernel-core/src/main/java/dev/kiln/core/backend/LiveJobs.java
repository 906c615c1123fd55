package dev.kiln.core.backend;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BackendName;
import dev.kiln.api.backend.Device;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The jobs of this runtime that compute on a {@link MovableDevice} (a served model, a training
 * run), and what moves them between backends: {@link #moveAll} for {@code kiln backend use}, and
 * the backends themselves leaving. When a backend's service goes away (its bundle stopping, its
 * jar deleted from plugins/), every job on one of its devices first moves to another backend
 * (the CPU when it is there), while the leaving backend's devices still work: the framework
 * unbinds its service here before the backend's component is deactivated.
 *
 * <p>Every move, and every job that could not move, is reported as a line to the runtime's
 * output.
 */
@Component(service = LiveJobs.class)
public final class LiveJobs {

    /** A running job: its name and the device it computes on. Closing it ends its tracking. */
    public final class Job implements AutoCloseable {
        private final String name;
        private final MovableDevice device;
        private final Instant started = Instant.now();

        private Job(String name, MovableDevice device) {
            this.name = name;
            this.device = device;
        }

        public String name() {
            return name;
        }

        /** The device to build the job's model and state on; it moves with the job. */
        public MovableDevice device() {
            return device;
        }

        public Instant started() {
            return started;
        }

        /** When it last moved, or when it started if it never did. */
        public Instant since() {
            List<DeviceMove> moves = device.moves();
            return moves.isEmpty() ? started : moves.getLast().at();
        }

        @Override
        public void close() {
            ended(this);
        }

        @Override
        public String toString() {
            return "job '" + name + "' on " + device.name();
        }
    }

    /** How one job's move went: the move, or why it did not happen. */
    public record Outcome(Job job, Optional<DeviceMove> move, Optional<String> failure) {}

    /** The backend a job falls back to when its backend leaves, when it is installed. */
    static final String FALLBACK = "cpu";

    private final BackendRegistry registry;
    private final List<Job> jobs = new CopyOnWriteArrayList<>();
    private final Consumer<String> report;
    /** Where the control socket goes while there are jobs; null: no socket (tests). */
    private final Path controlDirectory;
    private ControlSocket control;

    /** True while the whole runtime shuts down: backends leave then, and the jobs with them. */
    private final BooleanSupplier shuttingDown;

    @Activate
    public LiveJobs(@Reference BackendRegistry registry, BundleContext context) {
        this(registry, line -> System.out.println("kiln: " + line), ControlDirectory.resolve(),
                () -> context.getBundle(Constants.SYSTEM_BUNDLE_ID).getState() == Bundle.STOPPING);
    }

    LiveJobs(BackendRegistry registry, Consumer<String> report) {
        this(registry, report, null, () -> false);
    }

    LiveJobs(BackendRegistry registry, Consumer<String> report, Path controlDirectory, BooleanSupplier shuttingDown) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.report = report;
        this.controlDirectory = controlDirectory;
        this.shuttingDown = shuttingDown;
    }

    /**
     * Starts tracking a job that computes on {@code initial}; compute only through the job's
     * device. The first job opens the runtime's control socket, through which
     * {@code kiln backend} in another process lists and moves the jobs.
     */
    public synchronized Job start(String name, Device initial) {
        Job job = new Job(Objects.requireNonNull(name, "name"), new MovableDevice(initial));
        jobs.add(job);
        if (control == null && controlDirectory != null) {
            try {
                control = ControlSocket.open(controlDirectory, this);
            } catch (IOException | RuntimeException e) {
                report.accept("warning: no control socket in " + controlDirectory + " (kiln backend in another"
                        + " process cannot reach this runtime): " + e.getMessage());
            }
        }
        return job;
    }

    private synchronized void ended(Job job) {
        jobs.remove(job);
        if (jobs.isEmpty()) {
            closeControl();
        }
    }

    @Deactivate
    synchronized void closeControl() {
        if (control != null) {
            control.close();
            control = null;
        }
    }

    /** The running jobs, oldest first. */
    public List<Job> jobs() {
        return List.copyOf(jobs);
    }

    /**
     * Moves every job to the device {@code requested} names ({@code opencl}, {@code cpu},
     * {@code opencl:1}), each between two of its kernel calls. A job that cannot move (the
     * device is too small) stays where it was; its outcome says why.
     *
     * @throws IllegalStateException when no installed backend fits the name or it cannot open
     */
    public List<Outcome> moveAll(String requested) {
        Device target = registry.open(requested);
        List<Outcome> outcomes = new ArrayList<>();
        for (Job job : jobs) {
            outcomes.add(move(job, target, "asked"));
        }
        return outcomes;
    }

    private Outcome move(Job job, Device target, String why) {
        String from = job.device().name();
        try {
            DeviceMove move = job.device().moveTo(target);
            if (move.buffers() > 0 || !from.equals(move.to())) {
                report.accept("job '" + job.name() + "' " + move.describe() + " (" + why + ")");
            }
            return new Outcome(job, Optional.of(move), Optional.empty());
        } catch (RuntimeException e) {
            report.accept("job '" + job.name() + "' stays on " + from + ": " + e.getMessage());
            return new Outcome(job, Optional.empty(), Optional.of(e.getMessage()));
        }
    }

    // ---- backends leaving ----------------------------------------------------------------------

    @Reference(
            cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY,
            target = "(" + BackendName.PROPERTY + "=*)")
    void addBackend(Backend backend) {
        // Nothing to do: a backend arriving is only a new place to move to.
    }

    /** Called while the backend's service unregisters, before its devices close. */
    void removeBackend(Backend backend, Map<String, Object> properties) {
        if (shuttingDown.getAsBoolean()) {
            return; // no move: the jobs are ending too
        }
        evacuate(String.valueOf(properties.get(BackendName.PROPERTY)));
    }

    /** Moves every job on a device of backend {@code leaving} to another backend. */
    void evacuate(String leaving) {
        List<Job> affected = jobs.stream().filter(j -> j.device().name().startsWith(leaving + ":")).toList();
        if (affected.isEmpty()) {
            return;
        }
        Device fallback;
        try {
            fallback = fallback(leaving);
        } catch (RuntimeException e) {
            affected.forEach(job -> report.accept("job '" + job.name() + "' stays on " + job.device().name()
                    + ", whose backend '" + leaving + "' is leaving: " + e.getMessage()));
            return;
        }
        for (Job job : affected) {
            move(job, fallback, "backend '" + leaving + "' is leaving");
        }
    }

    /** Device 0 of the CPU backend, else of the preferred other available backend. */
    private Device fallback(String leaving) {
        List<BackendRegistry.Entry> others = registry.all().stream()
                .filter(e -> !e.name().equals(leaving) && e.info().available())
                .sorted(Comparator.comparing((BackendRegistry.Entry e) -> !e.name().equals(FALLBACK))
                        .thenComparing(e -> -e.info().preference()))
                .toList();
        if (others.isEmpty()) {
            throw new IllegalStateException("no other backend is available to move to");
        }
        return others.getFirst().backend().open(0);
    }
}
