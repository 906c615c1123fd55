package dev.kiln.benchmarks.training;

import dev.kiln.core.data.Batch;
import dev.kiln.core.data.BatchSource;
import dev.kiln.core.data.DataPosition;
import dev.kiln.core.data.EpochBatches;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One sequence of the settings' tokens as every batch of one epoch as long as the run: batch 1,
 * no padding, labels = inputs (loss on every token, as {@code kiln pt}; the loss shifts them, so
 * a step trains on seq - 1 tokens).
 */
final class RepeatedBatch implements BatchSource {

    private final Batch batch;
    private final long batches;

    RepeatedBatch(TrainingSettings settings) {
        int seq = settings.seq();
        int[] positions = new int[seq];
        int[] segments = new int[seq];
        for (int i = 0; i < seq; i++) {
            positions[i] = i;
            segments[i] = 1;
        }
        int[] ids = settings.tokens();
        this.batch = new Batch(1, seq, ids.clone(), positions, segments, ids.clone(), 1, seq - 1);
        this.batches = settings.warmupSteps() + settings.steps();
    }

    @Override
    public OptionalLong batchesPerEpoch() {
        return OptionalLong.of(batches);
    }

    @Override
    public EpochBatches epoch(DataPosition position) {
        return new EpochBatches() {
            private long done = position.batchesDone();

            @Override
            public Optional<Batch> next() {
                if (done >= batches) {
                    return Optional.empty();
                }
                done++;
                return Optional.of(batch);
            }

            @Override
            public DataPosition position() {
                return new DataPosition(position.epoch(), done);
            }

            @Override
            public void close() {}
        };
    }
}
