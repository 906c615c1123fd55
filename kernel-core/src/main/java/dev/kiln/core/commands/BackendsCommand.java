package dev.kiln.core.commands;

import dev.kiln.api.backend.BackendInfo;
import dev.kiln.api.command.Command;
import dev.kiln.api.command.CommandName;
import dev.kiln.api.command.CommandSpec;
import dev.kiln.api.command.Invocation;
import dev.kiln.api.tensor.DType;
import dev.kiln.core.backend.BackendRegistry;
import dev.kiln.core.cli.Table;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code kiln backends}: every Backend service, whether it can run here, and why not. */
@Component
@CommandName("backends")
public final class BackendsCommand implements Command {

    private final BackendRegistry registry;

    @Activate
    public BackendsCommand(@Reference BackendRegistry registry) {
        this.registry = registry;
    }

    @Override
    public CommandSpec spec() {
        return CommandSpec.summary("List the hardware backends, whether each can run here, and why not.")
                .description("The backend marked '*' is the one Kiln uses when no --device is given.")
                .build();
    }

    @Override
    public int run(Invocation invocation) {
        List<BackendRegistry.Entry> entries = registry.all();
        if (entries.isEmpty()) {
            invocation.out().println("No backend is installed.");
            return 0;
        }
        String preferred;
        try {
            preferred = registry.select(null).name();
        } catch (IllegalStateException e) {
            preferred = null;
        }
        Table table = new Table("", "BACKEND", "AVAILABLE", "DEVICE", "MEMORY", "DTYPES", "VENDOR");
        for (BackendRegistry.Entry entry : entries) {
            BackendInfo info = entry.info();
            table.row(entry.name().equals(preferred) ? "*" : "", entry.name(),
                    info.available() ? "yes" : "no: " + info.unavailableReason().orElse(""),
                    info.device(), formatBytes(info.memoryBytes()),
                    info.dtypes().stream().sorted().map(DType::label).collect(Collectors.joining(",")),
                    info.vendor());
        }
        table.print(invocation.out());
        return 0;
    }

    static String formatBytes(long bytes) {
        if (bytes <= 0) {
            return "-";
        }
        double gib = bytes / (1024.0 * 1024 * 1024);
        return gib >= 1 ? String.format(Locale.ROOT, "%.1f GiB", gib)
                : String.format(Locale.ROOT, "%d MiB", bytes / (1024 * 1024));
    }
}
