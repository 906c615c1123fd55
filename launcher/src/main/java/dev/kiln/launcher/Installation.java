package dev.kiln.launcher;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The layout of a Kiln distribution, as {@code distribution/} assembles it:
 *
 * <pre>
 * bin/kiln                the start script
 * lib/                    the launcher and the Felix framework (the class path)
 * bundle/core/            bundles every command needs: SCR, picocli, the kernel, hal-cpu
 * bundle/runtime/         bundles of the long-running runtime: FileInstall and Kiln's hotdeploy
 * bundle/shell/           bundles of the interactive shell: Gogo and JLine
 * conf/framework.properties   framework settings a user may change
 * plugins/                the default plugins folder (hal-opencl ships there: backends other
 *                         than the CPU are plugins)
 * </pre>
 */
record Installation(Path home) {

    static final String HOME_PROPERTY = "kiln.home";

    static Installation fromSystemProperties() throws LaunchException {
        String home = System.getProperty(HOME_PROPERTY);
        if (home == null) {
            throw new LaunchException("system property " + HOME_PROPERTY
                    + " is not set: start Kiln with bin/kiln", 1);
        }
        Installation installation = new Installation(Path.of(home).toAbsolutePath().normalize());
        if (!Files.isDirectory(installation.coreBundles())) {
            throw new LaunchException("not a Kiln installation (no bundle/core): " + home, 1);
        }
        return installation;
    }

    Path coreBundles() {
        return home.resolve("bundle/core");
    }

    Path runtimeBundles() {
        return home.resolve("bundle/runtime");
    }

    Path shellBundles() {
        return home.resolve("bundle/shell");
    }

    Path frameworkProperties() {
        return home.resolve("conf/framework.properties");
    }

    Path defaultPluginsDir() {
        return home.resolve("plugins");
    }
}
