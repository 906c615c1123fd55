package dev.kiln.api.data;

import java.io.IOException;
import java.util.Optional;
import java.util.OptionalLong;
import org.osgi.annotation.versioning.ConsumerType;

/** The rows of an opened dataset, read one at a time so a file larger than memory can stream. */
@ConsumerType
public interface RowReader extends AutoCloseable {

    /**
     * The next row, or empty at the end.
     *
     * @throws DatasetException for a malformed record, naming file and line; the reader can go
     *     on with the next row (so {@code --strict false} can skip and count)
     */
    Optional<Row> next() throws IOException, DatasetException;

    /** The number of rows, when known without reading them all. */
    OptionalLong size();

    @Override
    void close() throws IOException;
}
