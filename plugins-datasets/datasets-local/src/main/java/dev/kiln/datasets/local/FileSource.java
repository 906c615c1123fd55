package dev.kiln.datasets.local;

import dev.kiln.api.data.DatasetSource;
import dev.kiln.api.data.DatasetSpec;
import dev.kiln.api.data.RowReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A source of local files of one kind, claimed by extension (whether or not the file exists, so a
 * missing file is reported as such instead of as an unknown dataset). Relative paths resolve
 * against the working directory; messages name the file as the user wrote it.
 */
abstract class FileSource implements DatasetSource {

    private final String name;
    private final List<String> extensions;

    FileSource(String name, String... extensions) {
        this.name = name;
        this.extensions = List.of(extensions);
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final boolean canOpen(DatasetSpec spec, Path cwd) {
        String lower = spec.source().toLowerCase(Locale.ROOT);
        return extensions.stream().anyMatch(lower::endsWith);
    }

    @Override
    public final RowReader open(DatasetSpec spec, Path cwd) throws IOException {
        Path file = cwd.resolve(spec.source().startsWith("~/")
                ? System.getProperty("user.home") + spec.source().substring(1) : spec.source());
        if (!Files.isRegularFile(file)) {
            throw new IOException(spec.source() + ": no such file" + (Files.isDirectory(file) ? " (a directory)" : "")
                    + " (looked for " + file.toAbsolutePath().normalize() + ")");
        }
        return open(file, spec.source());
    }

    /**
     * Opens an existing file.
     *
     * @param display the file as the user named it, for row origins and messages
     */
    abstract RowReader open(Path file, String display) throws IOException;
}
