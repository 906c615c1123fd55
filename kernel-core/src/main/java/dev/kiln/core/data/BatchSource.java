package dev.kiln.core.data;

import dev.kiln.api.data.DatasetException;
import java.io.IOException;
import java.util.OptionalLong;

/**
 * The batches of a dataset, epoch after epoch, in an order fixed by the seed and the epoch:
 * {@link Batcher} for a dataset in memory, {@link StreamingBatcher} for one read as it goes.
 */
public interface BatchSource {

    /**
     * Batches per epoch, when known before reading (in memory: yes; streaming: no, so the trainer
     * needs {@code --max_steps}).
     */
    OptionalLong batchesPerEpoch();

    /**
     * The batches of {@code position.epoch()} after the first {@code position.batchesDone()}: the
     * same batches an uninterrupted run would have seen from there.
     */
    EpochBatches epoch(DataPosition position) throws IOException, DatasetException;
}
