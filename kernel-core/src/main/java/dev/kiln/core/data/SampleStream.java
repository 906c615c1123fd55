package dev.kiln.core.data;

import dev.kiln.api.data.DatasetException;
import dev.kiln.api.data.Sample;
import java.io.IOException;
import java.util.Optional;

/** One pass over a {@link SampleSource}. */
public interface SampleStream extends AutoCloseable {

    /**
     * The next sample, or empty at the end.
     *
     * @throws DatasetException for a malformed row under {@code --strict true}, naming it
     */
    Optional<Sample> next() throws IOException, DatasetException;

    /** Malformed rows skipped so far ({@code --strict false}). */
    long skipped();

    @Override
    void close() throws IOException;
}
