package dev.kiln.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;

/**
 * Installs the bundles of a folder and starts them. A jar that is not a bundle, or a bundle that
 * does not resolve or whose activator throws, is reported with its file name and skipped: one
 * bad plugin never stops the runtime.
 */
final class BundleDeployer {

    private final BundleContext context;
    private final PrintStream log;

    BundleDeployer(BundleContext context, PrintStream log) {
        this.context = context;
        this.log = log;
    }

    /** Installs every {@code *.jar} of {@code folder}, in name order. */
    List<Bundle> install(Path folder) throws LaunchException {
        List<Bundle> installed = new ArrayList<>();
        if (!Files.isDirectory(folder)) {
            return installed;
        }
        List<Path> jars;
        try (Stream<Path> files = Files.list(folder)) {
            jars = files.filter(f -> f.getFileName().toString().endsWith(".jar"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new LaunchException("cannot list " + folder + ": " + e.getMessage(), 1);
        }
        for (Path jar : jars) {
            try (InputStream in = Files.newInputStream(jar)) {
                Bundle bundle = context.installBundle(jar.toUri().toString(), in);
                if (bundle.getSymbolicName() == null) {
                    // Felix accepts plain jars as OSGi R3 bundles; Kiln plugins are real bundles.
                    bundle.uninstall();
                    log.println("kiln: ignoring " + jar + ": its manifest has no "
                            + "Bundle-SymbolicName: it is a plain jar, not an OSGi bundle");
                    continue;
                }
                installed.add(bundle);
            } catch (BundleException | IOException | RuntimeException e) {
                log.println("kiln: cannot install " + jar + ": " + e.getMessage());
            }
        }
        return installed;
    }

    /** Starts the bundles that are not fragments; a failure is reported, the rest go on. */
    void start(List<Bundle> bundles) {
        for (Bundle bundle : bundles) {
            if (bundle.getHeaders("").get(Constants.FRAGMENT_HOST) != null) {
                continue;
            }
            try {
                bundle.start();
            } catch (BundleException | RuntimeException e) {
                log.println("kiln: cannot start " + bundle.getLocation() + ": " + rootMessage(e));
            }
        }
    }

    static String rootMessage(Throwable e) {
        StringBuilder message = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            message.append(": ").append(cause);
        }
        return message.toString();
    }
}
