package dev.kiln.core.train;

import java.nio.file.Path;
import java.util.Optional;

/**
 * How a run ended.
 *
 * @param state the final state: steps done, the log history
 * @param interrupted whether it stopped early on request (Ctrl-C) after saving a checkpoint
 * @param lastCheckpoint the last checkpoint written, if any
 * @param trainLoss the mean of the step losses of this run (transformers' {@code train_loss})
 * @param runtimeSeconds how long this run trained
 */
public record TrainingResult(TrainerState state, boolean interrupted, Optional<Path> lastCheckpoint,
        double trainLoss, double runtimeSeconds) {}
