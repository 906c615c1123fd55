package dev.kiln.core.backend;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BackendInfo;
import dev.kiln.api.backend.BackendName;
import dev.kiln.api.backend.Device;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The {@link Backend} services present right now, and the choice among them: the one the user
 * names, or else the available one with the highest preference.
 */
@Component(service = BackendRegistry.class)
public final class BackendRegistry {

    /** A registered backend with its name and service id. */
    public record Entry(String name, Backend backend, long serviceId) {
        public BackendInfo info() {
            return backend.info();
        }
    }

    private final List<Entry> entries = new CopyOnWriteArrayList<>();

    @Reference(
            cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY,
            target = "(" + BackendName.PROPERTY + "=*)")
    void addBackend(Backend backend, Map<String, Object> properties) {
        entries.add(new Entry(String.valueOf(properties.get(BackendName.PROPERTY)), backend,
                ((Number) properties.get(Constants.SERVICE_ID)).longValue()));
    }

    void removeBackend(Backend backend, Map<String, Object> properties) {
        long id = ((Number) properties.get(Constants.SERVICE_ID)).longValue();
        entries.removeIf(e -> e.serviceId() == id);
    }

    /** Every backend, sorted by name. */
    public List<Entry> all() {
        List<Entry> result = new ArrayList<>(entries);
        result.sort(Comparator.comparing(Entry::name).thenComparingLong(Entry::serviceId));
        return result;
    }

    /**
     * The backend to run on.
     *
     * @param requested the name the user gave ({@code --device}), or {@code null} for the
     *     preferred available backend
     * @throws IllegalStateException naming what is installed, when none fits
     */
    public Entry select(String requested) {
        List<Entry> all = all();
        if (requested != null) {
            String name = requested.contains(":")
                    ? requested.substring(0, requested.indexOf(':')) : requested;
            Entry entry = all.stream().filter(e -> e.name().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no backend named '" + name
                            + "' is installed; installed: " + names(all)));
            BackendInfo info = entry.info();
            if (!info.available()) {
                throw new IllegalStateException("backend '" + name + "' is not available here: "
                        + info.unavailableReason().orElse("no reason given"));
            }
            return entry;
        }
        return all.stream()
                .filter(e -> e.info().available())
                .max(Comparator.comparingInt((Entry e) -> e.info().preference())
                        .thenComparing(Comparator.comparingLong(Entry::serviceId).reversed()))
                .orElseThrow(() -> new IllegalStateException(all.isEmpty()
                        ? "no backend is installed"
                        : "no installed backend is available here: " + all.stream()
                                .map(e -> e.info().toString())
                                .collect(Collectors.joining("; "))));
    }

    /**
     * Opens the device the user asked for: {@code cpu}, {@code opencl:1} (device 1 of the OpenCL
     * backend), or {@code null} for device 0 of the preferred available backend.
     *
     * @throws IllegalArgumentException when the index is not a non-negative number
     * @throws IllegalStateException when no installed backend fits, or it cannot open the device
     */
    public Device open(String requested) {
        int index = 0;
        if (requested != null && requested.contains(":")) {
            String suffix = requested.substring(requested.indexOf(':') + 1);
            try {
                index = Integer.parseInt(suffix);
            } catch (NumberFormatException e) {
                index = -1;
            }
            if (index < 0) {
                throw new IllegalArgumentException("--device " + requested
                        + ": the device index after ':' must be a number from 0, not '" + suffix + "'");
            }
        }
        return select(requested).backend().open(index);
    }

    private static String names(List<Entry> entries) {
        return entries.isEmpty() ? "none"
                : entries.stream().map(Entry::name).collect(Collectors.joining(", "));
    }
}
