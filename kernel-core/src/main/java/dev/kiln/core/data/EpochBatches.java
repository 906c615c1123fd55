package dev.kiln.core.data;

import dev.kiln.api.data.DatasetException;
import java.io.IOException;
import java.util.Optional;

/** The rest of one epoch's batches; closing it releases the files a streaming source holds. */
public interface EpochBatches extends AutoCloseable {

    /**
     * The next batch, or empty at the end of the epoch.
     *
     * @throws DatasetException for bad data met while streaming, naming the row
     */
    Optional<Batch> next() throws IOException, DatasetException;

    /** Where the batches handed out so far leave the epoch: what a checkpoint saves. */
    DataPosition position();

    @Override
    void close() throws IOException;
}
