package dev.kiln.api.data;

import java.io.IOException;
import java.nio.file.Path;
import org.osgi.annotation.versioning.ConsumerType;

/** Opens datasets of one kind: local files of a format, the built-in sets, a hub. */
@ConsumerType
public interface DatasetSource {

    /** A short name for messages: {@code jsonl}, {@code builtin}, ... */
    String name();

    /** Whether this source understands {@code spec}; relative paths resolve against {@code cwd}. */
    boolean canOpen(DatasetSpec spec, Path cwd);

    /**
     * Opens {@code spec} for reading. {@code #N} sampling is applied by the caller.
     *
     * @throws IOException naming the file when it cannot be read
     */
    RowReader open(DatasetSpec spec, Path cwd) throws IOException;
}
