package dev.kiln.core.commands;

import dev.kiln.api.backend.BackendName;
import dev.kiln.api.command.CommandName;
import dev.kiln.api.command.Invocation;
import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleListener;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;

/**
 * What {@code kiln app} and {@code kiln shell} share: they keep the runtime up until it is
 * stopped (Ctrl-C, {@code exit} in the shell, or the framework shutting down), and report
 * plugins and their commands and backends as they come and go.
 */
abstract class RuntimeCommand {

    /** The framework property the launcher sets to the watched plugins folder. */
    static final String PLUGINS_DIR_PROPERTY = "kiln.plugins.dir";

    private final CountDownLatch stopped = new CountDownLatch(1);
    protected final BundleContext context;

    RuntimeCommand(BundleContext context) {
        this.context = context;
    }

    /** Called by the component's deactivation: the runtime is going down. */
    protected void stop() {
        stopped.countDown();
    }

    protected String pluginsDir() {
        String dir = context.getProperty(PLUGINS_DIR_PROPERTY);
        return dir == null ? "(no plugins folder)" : dir;
    }

    /** Reports changes on {@code out} until the runtime stops. */
    protected int runUntilStopped(Invocation invocation) throws InterruptedException {
        PrintStream out = invocation.out();
        BundleListener bundles = event -> {
            if (!shuttingDown()) {
                out.println("kiln: " + describe(event));
            }
        };
        ServiceListener services = event -> {
            String what = shuttingDown() ? null : describe(event.getServiceReference());
            if (what != null) {
                String change = switch (event.getType()) {
                    case ServiceEvent.REGISTERED -> "available";
                    case ServiceEvent.UNREGISTERING -> "removed";
                    default -> null;
                };
                if (change != null) {
                    out.println("kiln: " + what + " " + change);
                }
            }
        };
        context.addBundleListener(bundles);
        try {
            context.addServiceListener(services, "(|(" + CommandName.PROPERTY + "=*)("
                    + BackendName.PROPERTY + "=*))");
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        try {
            stopped.await();
        } finally {
            try {
                context.removeServiceListener(services);
                context.removeBundleListener(bundles);
            } catch (IllegalStateException alreadyStopped) {
                // The bundle context is gone with the framework: the listeners went with it.
            }
        }
        return 0;
    }

    /** While the framework stops, every bundle stops: that is not news worth a line each. */
    private boolean shuttingDown() {
        try {
            return context.getBundle(0).getState() == Bundle.STOPPING;
        } catch (IllegalStateException contextGone) {
            return true;
        }
    }

    static String describe(BundleEvent event) {
        Bundle b = event.getBundle();
        String change = switch (event.getType()) {
            case BundleEvent.INSTALLED -> "installed";
            case BundleEvent.STARTED -> "started";
            case BundleEvent.STOPPED -> "stopped";
            case BundleEvent.UPDATED -> "updated";
            case BundleEvent.UNINSTALLED -> "uninstalled";
            case BundleEvent.RESOLVED -> "resolved";
            case BundleEvent.UNRESOLVED -> "unresolved";
            default -> "changed";
        };
        return "bundle " + b.getSymbolicName() + " " + b.getVersion() + " [" + b.getBundleId()
                + "] " + change;
    }

    private static String describe(ServiceReference<?> ref) {
        Object command = ref.getProperty(CommandName.PROPERTY);
        if (command != null) {
            return "command '" + command + "'";
        }
        Object backend = ref.getProperty(BackendName.PROPERTY);
        return backend == null ? null : "backend '" + backend + "'";
    }
}
