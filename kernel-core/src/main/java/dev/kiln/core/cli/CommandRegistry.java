package dev.kiln.core.cli;

import dev.kiln.api.command.Command;
import dev.kiln.api.command.CommandName;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The {@link Command} services present right now, by name. Commands come and go with their
 * bundles; when two bundles offer the same name, the one with the higher service ranking (then
 * the older registration) wins, and the other takes over if the winner leaves.
 */
@Component(service = CommandRegistry.class)
public final class CommandRegistry {

    /** A registered command and the properties it was registered with. */
    public record Entry(String name, Command command, long serviceId, int ranking) {}

    private static final Comparator<Entry> PRECEDENCE =
            Comparator.comparingInt(Entry::ranking).reversed().thenComparingLong(Entry::serviceId);

    private final Map<String, List<Entry>> byName = new TreeMap<>();

    @Reference(
            cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY,
            target = "(" + CommandName.PROPERTY + "=*)")
    void addCommand(Command command, Map<String, Object> properties) {
        Entry entry = entryOf(command, properties);
        synchronized (byName) {
            List<Entry> entries = byName.computeIfAbsent(entry.name(), n -> new ArrayList<>());
            entries.add(entry);
            entries.sort(PRECEDENCE);
        }
    }

    void removeCommand(Command command, Map<String, Object> properties) {
        Entry entry = entryOf(command, properties);
        synchronized (byName) {
            List<Entry> entries = byName.get(entry.name());
            if (entries != null) {
                entries.removeIf(e -> e.serviceId() == entry.serviceId());
                if (entries.isEmpty()) {
                    byName.remove(entry.name());
                }
            }
        }
    }

    /** The command that answers to {@code name}, if any. */
    public Optional<Entry> find(String name) {
        synchronized (byName) {
            List<Entry> entries = byName.get(name);
            return entries == null ? Optional.empty() : Optional.of(entries.get(0));
        }
    }

    /** Every command name with the command that answers to it, sorted by name. */
    public NavigableMap<String, Entry> snapshot() {
        NavigableMap<String, Entry> result = new TreeMap<>();
        synchronized (byName) {
            byName.forEach((name, entries) -> result.put(name, entries.get(0)));
        }
        return result;
    }

    private static Entry entryOf(Command command, Map<String, Object> properties) {
        String name = String.valueOf(properties.get(CommandName.PROPERTY));
        long id = ((Number) properties.get(Constants.SERVICE_ID)).longValue();
        Object ranking = properties.get(Constants.SERVICE_RANKING);
        return new Entry(name, command, id, ranking instanceof Integer r ? r : 0);
    }
}
