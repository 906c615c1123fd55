package dev.kiln.itests;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemPackage;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ops4j.pax.exam.Option;

/**
 * The Pax Exam configuration every test class shares: a Felix framework set up as the launcher
 * sets it up, with the core bundles of the assembled distribution, and the sample plugins built
 * and ready to install. Used in the driver only.
 */
final class KilnPlatform {

    /** JDK packages the system bundle exports, as the launcher's FrameworkProperties does. */
    private static final String JDK_PACKAGES = "jdk.incubator.vector";

    private KilnPlatform() {}

    static Option[] options() {
        List<Option> options = new ArrayList<>();
        options.add(systemPackage(JDK_PACKAGES));
        for (Path jar : CoreBundles.jars()) {
            options.add(bundle(CoreBundles.location(jar)).start());
        }
        options.add(junitBundles());
        // The tests read these in the framework; as system properties they reach any container.
        options.add(systemProperty(TestProperties.CORE_BUNDLES)
                .value(CoreBundles.directory().toString()));
        SamplePluginBuilder.buildAll()
                .forEach((property, jar) -> options.add(systemProperty(property).value(jar)));
        return options.toArray(Option[]::new);
    }
}
