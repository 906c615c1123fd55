package dev.kiln.hotdeploy;

import java.io.File;
import java.io.PrintStream;
import org.apache.felix.fileinstall.ArtifactInstaller;
import org.osgi.service.component.annotations.Component;

/**
 * Claims the {@code .jar} files in the plugins folder that FileInstall cannot install (corrupt,
 * or plain jars without an OSGi manifest) and tells the user, by file name, why they were
 * ignored. Without it FileInstall skips them silently and a user waits for a plugin that never
 * comes. Good bundles are left to FileInstall.
 *
 * <p>This is also the shape of every later hot-deploy handler: a model directory, a
 * {@code .gguf} file or an adapter dropped into a watched folder is claimed by an
 * {@link ArtifactInstaller} the same way.
 */
@Component
public final class UnusableJarReporter implements ArtifactInstaller {

    private final PrintStream log;

    public UnusableJarReporter() {
        this(System.err);
    }

    UnusableJarReporter(PrintStream log) {
        this.log = log;
    }

    @Override
    public boolean canHandle(File artifact) {
        return artifact.getName().endsWith(".jar")
                && JarInspection.whyNotABundle(artifact).isPresent();
    }

    @Override
    public void install(File artifact) {
        report(artifact);
    }

    @Override
    public void update(File artifact) {
        report(artifact);
    }

    @Override
    public void uninstall(File artifact) {
        log.println("kiln: " + artifact + " was removed");
    }

    private void report(File artifact) {
        JarInspection.whyNotABundle(artifact).ifPresent(why ->
                log.println("kiln: ignoring " + artifact + ": " + why));
    }
}
