package dev.kiln.core.train;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A run's own directory under {@code --output_dir}, named as ms-swift names it:
 * {@code vN-YYYYMMDD-HHMMSS}, N one more than the highest version already there.
 */
public final class RunDirectory {

    private static final Pattern VERSION = Pattern.compile("^v(\\d+)");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private RunDirectory() {}

    /**
     * Creates the next version's directory.
     *
     * @throws IOException naming the output directory when it cannot be created
     */
    public static Path create(Path outputDir, LocalDateTime now) throws IOException {
        Files.createDirectories(outputDir);
        for (int attempt = 0; ; attempt++) {
            Path run = outputDir.resolve("v" + (nextVersion(outputDir) + attempt) + "-"
                    + TIME.format(now));
            try {
                return Files.createDirectory(run);
            } catch (FileAlreadyExistsException raced) {
                // another run took this version in the meantime: take the next
            }
        }
    }

    /** One more than the highest {@code vN} in the directory; 0 when there is none. */
    static int nextVersion(Path outputDir) throws IOException {
        int highest = -1;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(outputDir)) {
            for (Path entry : entries) {
                Matcher m = VERSION.matcher(entry.getFileName().toString());
                if (m.find()) {
                    try {
                        highest = Math.max(highest, Integer.parseInt(m.group(1)));
                    } catch (NumberFormatException ignored) {
                        // a name like v99999999999: not a version of ours
                    }
                }
            }
        }
        return highest + 1;
    }
}
