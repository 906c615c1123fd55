package dev.kiln.itests;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The plugin bundles the tests install at run time, made of the classes in
 * {@code dev.kiln.itests.sample.*}. The driver builds them ({@link SamplePluginBuilder}) and
 * hands their paths to the tests in the framework as system properties ({@link #property()}).
 */
enum SamplePlugin {

    /** {@code kiln greet} and the backend {@code sample}, which is never available. */
    GREET_V1("dev.kiln.itests.sample.greet", "1.0.0", "dev.kiln.itests.sample.v1", null),

    /** The update of {@link #GREET_V1}: {@code kiln greet} says something else. */
    GREET_V2("dev.kiln.itests.sample.greet", "2.0.0", "dev.kiln.itests.sample.v2", null),

    /** A command component whose activation throws. */
    EXPLODING("dev.kiln.itests.sample.broken", "1.0.0", "dev.kiln.itests.sample.broken", null),

    /** A bundle whose activator throws. */
    FAILING_ACTIVATOR("dev.kiln.itests.sample.activator", "1.0.0",
            "dev.kiln.itests.sample.activator", "dev.kiln.itests.sample.activator.FailingActivator");

    final String symbolicName;
    final String version;
    final String packageName;
    /** The Bundle-Activator, or null for a bundle of DS components only. */
    final String activator;

    SamplePlugin(String symbolicName, String version, String packageName, String activator) {
        this.symbolicName = symbolicName;
        this.version = version;
        this.packageName = packageName;
        this.activator = activator;
    }

    /** The system property that holds the path of the built jar. */
    String property() {
        return "kiln.itests.plugin." + name().toLowerCase(Locale.ROOT);
    }

    /** The built jar, as the tests in the framework see it. */
    Path jar() {
        String path = System.getProperty(property());
        if (path == null) {
            throw new IllegalStateException("system property " + property()
                    + " is not set: the test configuration did not build the sample plugins");
        }
        return Path.of(path);
    }

    /** The location to install the jar from. */
    String location() {
        return jar().toUri().toString();
    }
}
