package dev.kiln.api.reward;

import dev.kiln.api.data.Sample;
import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Scores completions for online alignment (GRPO, PPO), as an ms-swift ORM does: accuracy against
 * a reference answer, a format check, a length penalty. Register as a service with a
 * {@link RewardName}; {@code --reward_funcs} picks them by name.
 */
@ConsumerType
public interface RewardFunction {

    /**
     * One reward per completion.
     *
     * @param completions generated answers
     * @param samples the dataset row each completion answers, extra columns included (same order)
     */
    double[] score(List<String> completions, List<Sample> samples);
}
