package dev.kiln.core.commands;

import dev.kiln.api.backend.BackendName;
import dev.kiln.api.command.Command;
import dev.kiln.api.command.CommandName;
import dev.kiln.api.command.CommandSpec;
import dev.kiln.api.command.Invocation;
import dev.kiln.api.command.OptionSpec;
import dev.kiln.core.cli.Table;
import java.util.ArrayList;
import java.util.List;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/**
 * {@code kiln plugins}: every bundle in the runtime with its version, state and the services it
 * provides, and every component that failed to start with the reason.
 */
@Component
@CommandName("plugins")
public final class PluginsCommand implements Command {

    private final BundleContext context;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ServiceComponentRuntime scr;

    @Activate
    public PluginsCommand(BundleContext context) {
        this.context = context;
    }

    @Override
    public CommandSpec spec() {
        return CommandSpec.summary("List the bundles in the runtime, their state and services.")
                .option(OptionSpec.flag("--all",
                        "Also list the services of the framework and of infrastructure bundles."))
                .build();
    }

    @Override
    public int run(Invocation invocation) {
        boolean all = invocation.flag("--all");
        Table table = new Table("ID", "STATE", "BUNDLE", "VERSION", "SERVICES");
        List<String> problems = new ArrayList<>();
        for (Bundle bundle : context.getBundles()) {
            String state = stateOf(bundle);
            String name = nameOf(bundle);
            boolean infrastructure = bundle.getBundleId() == 0
                    || name.startsWith("org.apache.felix.") || name.startsWith("org.osgi.");
            String services = (all || !infrastructure) ? servicesOf(bundle) : "";
            table.row(bundle.getBundleId(), state, name,
                    bundle.getVersion(), services);
            if (!isFragment(bundle) && bundle.getState() != Bundle.ACTIVE) {
                problems.add(name + " [" + bundle.getBundleId() + "] is "
                        + state + ": it did not start (the log says why)");
            }
            problems.addAll(failedComponents(bundle));
        }
        table.print(invocation.out());
        if (!problems.isEmpty()) {
            invocation.out().println();
            invocation.out().println("Problems:");
            problems.forEach(p -> invocation.out().println("  " + p));
        }
        return 0;
    }

    private String servicesOf(Bundle bundle) {
        ServiceReference<?>[] refs = bundle.getRegisteredServices();
        if (refs == null) {
            return "";
        }
        List<String> names = new ArrayList<>();
        for (ServiceReference<?> ref : refs) {
            names.add(describe(ref));
        }
        names.sort(null);
        return String.join(", ", names);
    }

    /** A service in a few words: {@code command:plugins}, {@code backend:cpu}, or its types. */
    static String describe(ServiceReference<?> ref) {
        Object command = ref.getProperty(CommandName.PROPERTY);
        if (command != null) {
            return "command:" + command;
        }
        Object backend = ref.getProperty(BackendName.PROPERTY);
        if (backend != null) {
            return "backend:" + backend;
        }
        Object gogo = ref.getProperty("osgi.command.function");
        if (gogo != null) {
            return "gogo:" + ref.getProperty("osgi.command.scope");
        }
        String[] types = (String[]) ref.getProperty(Constants.OBJECTCLASS);
        List<String> simple = new ArrayList<>();
        for (String type : types) {
            simple.add(type.substring(type.lastIndexOf('.') + 1));
        }
        return String.join("+", simple);
    }

    private List<String> failedComponents(Bundle bundle) {
        ServiceComponentRuntime runtime = scr;
        List<String> failed = new ArrayList<>();
        if (runtime == null || bundle.getState() != Bundle.ACTIVE) {
            return failed;
        }
        for (ComponentDescriptionDTO description : runtime.getComponentDescriptionDTOs(bundle)) {
            for (ComponentConfigurationDTO config : runtime.getComponentConfigurationDTOs(description)) {
                if (config.state == ComponentConfigurationDTO.FAILED_ACTIVATION) {
                    failed.add(nameOf(bundle) + " [" + bundle.getBundleId()
                            + "]: component " + description.name + " failed to activate: "
                            + firstLine(config.failure));
                }
            }
        }
        return failed;
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "no reason recorded";
        }
        int nl = text.indexOf('\n');
        return (nl < 0 ? text : text.substring(0, nl)).strip();
    }

    /** The symbolic name, or the location for a legacy bundle that has none. */
    private static String nameOf(Bundle bundle) {
        String name = bundle.getSymbolicName();
        return name != null ? name : bundle.getLocation();
    }

    private static boolean isFragment(Bundle bundle) {
        return bundle.getHeaders("").get(Constants.FRAGMENT_HOST) != null;
    }

    static String stateOf(Bundle bundle) {
        return switch (bundle.getState()) {
            case Bundle.INSTALLED -> "INSTALLED";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            case Bundle.ACTIVE -> "ACTIVE";
            case Bundle.UNINSTALLED -> "UNINSTALLED";
            default -> "UNKNOWN";
        };
    }
}
