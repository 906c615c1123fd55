package dev.kiln.hotdeploy;

import java.io.File;
import java.io.IOException;
import java.util.Optional;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/** Tells whether a file is an OSGi bundle, and if not, why not, in words for the user. */
final class JarInspection {

    private JarInspection() {}

    /** Empty when the file is a bundle; otherwise what is wrong with it. */
    static Optional<String> whyNotABundle(File file) {
        try (JarFile jar = new JarFile(file)) {
            Manifest manifest = jar.getManifest();
            if (manifest == null) {
                return Optional.of("it has no META-INF/MANIFEST.MF");
            }
            if (manifest.getMainAttributes().getValue("Bundle-SymbolicName") == null) {
                return Optional.of("its manifest has no Bundle-SymbolicName: it is a plain jar, "
                        + "not an OSGi bundle");
            }
            return Optional.empty();
        } catch (IOException | SecurityException e) {
            return Optional.of("it is not a readable jar (" + e.getMessage() + ")");
        }
    }
}
