package dev.kiln.itests;

import java.util.ArrayDeque;
import java.util.Deque;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;

/**
 * Installs sample plugins into the running framework, as FileInstall would, and uninstalls them
 * after the test so the next test sees the bare platform.
 */
final class Plugins {

    private final BundleContext context;
    private final Deque<Bundle> installed = new ArrayDeque<>();

    Plugins(BundleContext context) {
        this.context = context;
    }

    Bundle install(SamplePlugin plugin) throws BundleException {
        Bundle bundle = context.installBundle(plugin.location());
        installed.push(bundle);
        return bundle;
    }

    Bundle installAndStart(SamplePlugin plugin) throws BundleException {
        Bundle bundle = install(plugin);
        bundle.start();
        return bundle;
    }

    void uninstallAll() throws BundleException {
        while (!installed.isEmpty()) {
            Bundle bundle = installed.pop();
            if (bundle.getState() != Bundle.UNINSTALLED) {
                bundle.uninstall();
            }
        }
    }
}
