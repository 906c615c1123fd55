package dev.kiln.core.backend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * The folder where each Kiln runtime with running jobs keeps its control socket,
 * {@code <pid>.sock}: {@code $KILN_RUN_DIR}, else {@code kiln-<user>} in the temporary folder.
 * Only its owner may enter it, so only the user who started a runtime can move its jobs.
 */
public final class ControlDirectory {

    /** The environment variable that names the folder. */
    public static final String ENVIRONMENT = "KILN_RUN_DIR";

    private ControlDirectory() {}

    /** The folder for this process's environment (it may not exist yet). */
    public static Path resolve() {
        return resolve(System.getenv());
    }

    static Path resolve(Map<String, String> environment) {
        String named = environment.get(ENVIRONMENT);
        if (named != null && !named.isBlank()) {
            return Path.of(named).toAbsolutePath();
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "kiln-" + System.getProperty("user.name"));
    }

    /** The socket path of the runtime with process id {@code pid}. */
    static Path socketOf(Path directory, long pid) {
        return directory.resolve(pid + ".sock");
    }

    /** Creates the folder, readable only by its owner where the file system has POSIX permissions. */
    static Path create(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            Files.createDirectories(directory);
            try {
                Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
            } catch (UnsupportedOperationException notPosix) {
                // Windows: the user's temporary folder is private already.
            }
        }
        return directory;
    }
}
