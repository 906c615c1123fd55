package dev.kiln.itests.sample.activator;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/** A bundle activator that fails, as a plugin that cannot open what it needs at start. */
public final class FailingActivator implements BundleActivator {

    public static final String FAILURE = "sample failure: the activator cannot start";

    @Override
    public void start(BundleContext context) {
        throw new IllegalStateException(FAILURE);
    }

    @Override
    public void stop(BundleContext context) {
        // Never started, so nothing to undo.
    }
}
