package dev.kiln.core.backend;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BackendInfo;
import dev.kiln.api.backend.BackendName;
import dev.kiln.api.backend.Device;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.framework.Constants;

/** Backends that always open one given device, registered as the framework would register them. */
final class FixedBackends {

    private static final AtomicLong SERVICE_IDS = new AtomicLong();

    private FixedBackends() {}

    /** Registers a backend {@code name} whose every device is {@code device}; returns its service properties. */
    static Map<String, Object> register(BackendRegistry registry, String name, int preference, Device device) {
        BackendInfo info = BackendInfo.builder(name).preference(preference).build();
        Backend backend = new Backend() {
            @Override
            public BackendInfo info() {
                return info;
            }

            @Override
            public Device open(int index) {
                return device;
            }
        };
        Map<String, Object> properties = Map.of(BackendName.PROPERTY, name, Constants.SERVICE_ID,
                SERVICE_IDS.incrementAndGet());
        registry.addBackend(backend, properties);
        return properties;
    }
}
