package dev.kiln.launcher;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The Felix configuration: what the kernel needs from the JVM, where the framework keeps its
 * cache, and how FileInstall watches the plugins folder. Settings in
 * {@code conf/framework.properties} override the defaults, and {@code -D} system properties with
 * the same keys override both.
 */
final class FrameworkProperties {

    /**
     * JDK packages that bundles import and the system bundle must therefore export:
     * the Vector API for hal-cpu, the JDK's HTTP server for serving. Backends that need more of
     * the JDK add it here.
     */
    static final String JDK_PACKAGES = "jdk.incubator.vector,com.sun.net.httpserver";

    /** The framework property that tells the kernel which folder holds the plugins. */
    static final String PLUGINS_DIR = "kiln.plugins.dir";

    private FrameworkProperties() {}

    static Map<String, String> build(Installation installation, Path storage, Path pluginsDir,
            LaunchArguments.RuntimeMode mode) throws LaunchException {
        Map<String, String> p = new HashMap<>();
        p.put("org.osgi.framework.storage", storage.toString());
        p.put("org.osgi.framework.storage.clean", "onFirstInit");
        p.put("org.osgi.framework.system.packages.extra", JDK_PACKAGES);
        p.put("felix.log.level", "1");
        p.put(PLUGINS_DIR, pluginsDir.toString());
        p.put("ds.loglevel", "warn");

        // FileInstall, in the long-running modes: the plugins folder is live.
        p.put("felix.fileinstall.dir", pluginsDir.toString());
        p.put("felix.fileinstall.poll", "500");
        p.put("felix.fileinstall.noInitialDelay", "true");
        p.put("felix.fileinstall.bundles.new.start", "true");
        p.put("felix.fileinstall.log.level", "3");
        p.put("felix.fileinstall.tmpdir", storage.resolve("fileinstall").toString());

        // Gogo: interactive only for 'kiln shell'.
        if (mode != LaunchArguments.RuntimeMode.SHELL) {
            p.put("gosh.args", "--nointeractive");
        }

        Path conf = installation.frameworkProperties();
        if (Files.isRegularFile(conf)) {
            Properties fromFile = new Properties();
            try (Reader reader = Files.newBufferedReader(conf)) {
                fromFile.load(reader);
            } catch (IOException e) {
                throw new LaunchException("cannot read " + conf + ": " + e.getMessage(), 1);
            }
            fromFile.stringPropertyNames().forEach(k -> p.put(k, fromFile.getProperty(k)));
        }
        for (String key : Map.copyOf(p).keySet()) {
            String override = System.getProperty(key);
            if (override != null) {
                p.put(key, override);
            }
        }
        return p;
    }
}
