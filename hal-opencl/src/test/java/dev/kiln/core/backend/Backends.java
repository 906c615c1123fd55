package dev.kiln.core.backend;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BackendName;
import java.util.Map;
import org.osgi.framework.Constants;

/**
 * What the framework does for the hot-swap tests of hal-opencl: registers backends with the
 * registry and the live jobs, and unregisters them (a bundle leaving). In this package because
 * those callbacks are the framework's, package-private.
 */
public final class Backends {

    private static long nextServiceId;

    private Backends() {}

    /** Registers {@code backend} under {@code name}; returns its service properties. */
    public static synchronized Map<String, Object> register(BackendRegistry registry, LiveJobs jobs, String name,
            Backend backend) {
        Map<String, Object> properties = Map.of(BackendName.PROPERTY, name, Constants.SERVICE_ID, ++nextServiceId);
        registry.addBackend(backend, properties);
        jobs.addBackend(backend);
        return properties;
    }

    /** Unregisters it, as the framework does when its bundle stops: the jobs unbind it first. */
    public static void unregister(BackendRegistry registry, LiveJobs jobs, Backend backend,
            Map<String, Object> properties) {
        jobs.removeBackend(backend, properties);
        registry.removeBackend(backend, properties);
    }

    /** Live jobs reporting to {@code report} instead of the runtime's output. */
    public static LiveJobs liveJobs(BackendRegistry registry, java.util.function.Consumer<String> report) {
        return new LiveJobs(registry, report);
    }
}
