package dev.kiln.core.train;

/**
 * One optimizer step, as it ended.
 *
 * @param step the steps done, from 1
 * @param totalSteps the steps of the run
 * @param epoch epochs done, fractional
 * @param loss the per-token mean loss over the step's micro-batches
 * @param learningRate the rate the step trained with
 * @param gradNorm the global gradient norm before clipping
 * @param tokens the non-padding tokens of the step
 * @param seconds how long the step took
 */
public record StepReport(long step, long totalSteps, double epoch, double loss,
        double learningRate, double gradNorm, long tokens, double seconds) {}
