package dev.kiln.hotdeploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnusableJarReporterTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private final UnusableJarReporter reporter =
            new UnusableJarReporter(new PrintStream(log, true, StandardCharsets.UTF_8));

    @Test
    void aCorruptJarIsClaimedAndReportedByName() throws Exception {
        File corrupt = Files.writeString(dir.resolve("broken.jar"), "not a zip").toFile();
        assertTrue(reporter.canHandle(corrupt));
        reporter.install(corrupt);
        assertTrue(text().startsWith("kiln: ignoring " + corrupt + ": it is not a readable jar"), text());
    }

    @Test
    void aPlainJarIsClaimedAndReportedAsNotABundle() throws Exception {
        File plain = jar("plain.jar", null);
        assertTrue(reporter.canHandle(plain));
        reporter.install(plain);
        assertEquals("kiln: ignoring " + plain + ": its manifest has no Bundle-SymbolicName: "
                + "it is a plain jar, not an OSGi bundle\n", text());
    }

    @Test
    void aBundleIsLeftToFileInstall() throws Exception {
        assertFalse(reporter.canHandle(jar("good.jar", "com.example.good")));
    }

    @Test
    void otherFilesAreNotItsBusiness() throws Exception {
        assertFalse(reporter.canHandle(Files.writeString(dir.resolve("notes.txt"), "x").toFile()));
    }

    private File jar(String name, String symbolicName) throws Exception {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (symbolicName != null) {
            manifest.getMainAttributes().putValue("Bundle-ManifestVersion", "2");
            manifest.getMainAttributes().putValue("Bundle-SymbolicName", symbolicName);
        }
        Path path = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(path);
                JarOutputStream jar = new JarOutputStream(out, manifest)) {
            jar.flush();
        }
        return path.toFile();
    }

    private String text() {
        return log.toString(StandardCharsets.UTF_8);
    }
}
