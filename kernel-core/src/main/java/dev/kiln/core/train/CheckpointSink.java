package dev.kiln.core.train;

import dev.kiln.core.optim.AdamW;
import java.io.IOException;
import java.nio.file.Path;

/** Where a trainer's checkpoints go: {@link CheckpointWriter} writes them as directories. */
public interface CheckpointSink {

    /**
     * Saves the trainable weights, the optimizer's state, the schedule and {@code state} as
     * the checkpoint of step {@code state.globalStep()}.
     *
     * @return the checkpoint written
     * @throws IOException naming the file that could not be written; the checkpoints saved before
     *     stay intact
     */
    Path save(TrainerState state, AdamW optimizer, LearningRateSchedule schedule) throws IOException;
}
