package dev.kiln.itests;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;

/** Bundles in words, for assertion messages. */
final class Bundles {

    private Bundles() {}

    static boolean isFragment(Bundle bundle) {
        return bundle.getHeaders("").get(Constants.FRAGMENT_HOST) != null;
    }

    /** "name [id] is STATE", and for a bundle that did not resolve, the framework's reason. */
    static String describe(Bundle bundle) {
        String text = bundle.getSymbolicName() + " [" + bundle.getBundleId() + "] is "
                + stateOf(bundle);
        if (bundle.getState() == Bundle.INSTALLED) {
            text += ": " + resolutionFailure(bundle);
        }
        return text;
    }

    static String stateOf(Bundle bundle) {
        return switch (bundle.getState()) {
            case Bundle.INSTALLED -> "INSTALLED";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            case Bundle.ACTIVE -> "ACTIVE";
            case Bundle.UNINSTALLED -> "UNINSTALLED";
            default -> "in state " + bundle.getState();
        };
    }

    /** Starting an unresolved bundle makes the framework say what it is missing. */
    private static String resolutionFailure(Bundle bundle) {
        try {
            bundle.start();
            return "it resolved when started again";
        } catch (BundleException e) {
            return e.getMessage();
        }
    }
}
