package dev.kiln.itests;

import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Waiting for the dynamic parts of the platform: SCR registers and binds services on its own
 * schedule, so the tests wait (bounded) for what they expect instead of assuming it is there.
 */
final class Services {

    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private Services() {}

    /** The service matching the filter, once there is one. */
    static ServiceReference<?> await(BundleContext context, String filter) {
        ServiceTracker<?, ?> tracker;
        try {
            tracker = new ServiceTracker<>(context, context.createFilter(filter), null);
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException(e);
        }
        tracker.open(true);
        try {
            if (tracker.waitForService(TIMEOUT.toMillis()) == null) {
                throw new AssertionError("no service " + filter + " within " + TIMEOUT);
            }
            return tracker.getServiceReference();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + filter, e);
        } finally {
            tracker.close();
        }
    }

    /** Whether a service matching the filter is registered now. */
    static boolean present(BundleContext context, String filter) {
        try {
            return context.getAllServiceReferences(null, filter) != null;
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /**
     * Gets values until one satisfies the condition, or the timeout passes; returns the last,
     * so that the caller's assertion on it reports what was seen.
     */
    static <T> T until(Supplier<T> supplier, Predicate<? super T> condition) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        T value = supplier.get();
        while (!condition.test(value) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return value;
            }
            value = supplier.get();
        }
        return value;
    }
}
