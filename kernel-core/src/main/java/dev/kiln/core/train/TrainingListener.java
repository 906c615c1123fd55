package dev.kiln.core.train;

import java.nio.file.Path;
import java.util.Map;

/**
 * What a run tells the user and the files beside it, as it goes: the progress line, logging.jsonl,
 * the loss curve. Every method has an empty default.
 */
public interface TrainingListener {

    /** Before the first step; {@code state} is the resumed one when resuming. */
    default void onTrainBegin(TrainerState state) {}

    /** After every optimizer step. */
    default void onStep(StepReport report) {}

    /**
     * A logged entry, as it goes into trainer_state.json's {@code log_history}: a training log
     * ({@code loss}, {@code learning_rate}, ...), an evaluation ({@code eval_loss}, ...) or the
     * summary at the end ({@code train_loss}, {@code train_runtime}, ...).
     */
    default void onLog(Map<String, Object> entry) {}

    /** A checkpoint was written. */
    default void onSave(Path checkpoint) {}

    /** After the last step, or after the checkpoint of an interrupted run. */
    default void onTrainEnd(TrainingResult result) {}
}
