package dev.kiln.itests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The core bundles of the assembled distribution: what the launcher installs first. */
final class CoreBundles {

    private CoreBundles() {}

    static Path directory() {
        return TestProperties.directory(TestProperties.CORE_BUNDLES);
    }

    /** Every jar of the core folder, in name order. */
    static List<Path> jars() {
        try (Stream<Path> files = Files.list(directory())) {
            List<Path> jars = files.filter(f -> f.getFileName().toString().endsWith(".jar"))
                    .sorted()
                    .toList();
            if (jars.isEmpty()) {
                throw new IllegalStateException("no bundles in " + directory()
                        + ": build the distribution first");
            }
            return jars;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The jar whose file name starts with {@code prefix}, e.g. "kernel-api-". */
    static Path jar(String prefix) {
        return jars().stream()
                .filter(jar -> jar.getFileName().toString().startsWith(prefix))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException(
                        "no " + prefix + "*.jar in " + directory()));
    }

    /** The location a jar is installed from. */
    static String location(Path jar) {
        return jar.toUri().toString();
    }
}
