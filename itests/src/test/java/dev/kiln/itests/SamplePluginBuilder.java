package dev.kiln.itests;

import aQute.bnd.osgi.Builder;
import aQute.bnd.osgi.Constants;
import aQute.bnd.osgi.Jar;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds the {@link SamplePlugin} bundles with bnd, as a plugin's own build would: DS component
 * descriptions from the annotations, imports versioned against the kernel-api bundle under test.
 * Runs in the Pax Exam driver only (bnd is not in the framework), from the configuration method.
 */
final class SamplePluginBuilder {

    /** The system property -> jar path of every plugin, once built; they are built once per JVM. */
    private static Map<String, String> built;

    private SamplePluginBuilder() {}

    /** Builds every sample plugin, and returns the system properties that locate the jars. */
    static synchronized Map<String, String> buildAll() {
        if (built == null) {
            Path classes = TestProperties.directory(TestProperties.TEST_CLASSES);
            Path output = Path.of(TestProperties.required(TestProperties.PLUGINS_OUTPUT));
            Path kernelApi = CoreBundles.jar("kernel-api-");
            Map<String, String> jars = new LinkedHashMap<>();
            try {
                Files.createDirectories(output);
                for (SamplePlugin plugin : SamplePlugin.values()) {
                    jars.put(plugin.property(), build(plugin, classes, kernelApi, output).toString());
                }
            } catch (Exception e) {
                throw new IllegalStateException("cannot build the sample plugins: " + e, e);
            }
            built = Map.copyOf(jars);
        }
        return built;
    }

    private static Path build(SamplePlugin plugin, Path classes, Path kernelApi, Path output)
            throws Exception {
        try (Builder builder = new Builder()) {
            builder.setProperty(Constants.BUNDLE_SYMBOLICNAME, plugin.symbolicName);
            builder.setProperty(Constants.BUNDLE_VERSION, plugin.version);
            builder.setProperty(Constants.PRIVATEPACKAGE, plugin.packageName);
            builder.setProperty(Constants.DSANNOTATIONS, "*");
            if (plugin.activator != null) {
                builder.setProperty(Constants.BUNDLE_ACTIVATOR, plugin.activator);
            }
            builder.addClasspath(classes.toFile());
            builder.addClasspath(kernelApi.toFile());
            Jar jar = builder.build();
            if (!builder.isOk()) {
                throw new IOException("bnd failed to build " + plugin + ": " + builder.getErrors());
            }
            Path file = output.resolve(plugin.symbolicName + "-" + plugin.version + ".jar");
            jar.write(file.toFile());
            return file;
        }
    }
}
