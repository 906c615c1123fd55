package dev.kiln.itests;

import java.nio.file.Files;
import java.nio.file.Path;

/** The system properties the itests pom hands to the tests through surefire. */
final class TestProperties {

    /** The folder of the core bundles under test: distribution/target/kiln/bundle/core. */
    static final String CORE_BUNDLES = "kiln.core.bundles";

    /** The compiled test classes, which include the sample plugins' classes. */
    static final String TEST_CLASSES = "kiln.itests.classes";

    /** Where the sample plugin jars are written. */
    static final String PLUGINS_OUTPUT = "kiln.itests.plugins";

    private TestProperties() {}

    static String required(String name) {
        String value = System.getProperty(name);
        if (value == null) {
            throw new IllegalStateException("system property " + name
                    + " is not set (the itests pom sets it for surefire)");
        }
        return value;
    }

    static Path directory(String name) {
        Path dir = Path.of(required(name)).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException(name + "=" + dir + " is not a directory");
        }
        return dir;
    }
}
