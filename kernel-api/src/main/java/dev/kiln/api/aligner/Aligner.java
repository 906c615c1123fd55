package dev.kiln.api.aligner;

import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import java.util.Map;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A preference-alignment objective (DPO and its variants, KTO, ORPO, SimPO, CPO, ...): the loss
 * of a batch from the sequence log-probabilities the trainer computed. Register with an
 * {@link AlignerName}. Online methods (PPO, GRPO) add sampling through the generator and
 * {@link dev.kiln.api.reward.RewardFunction}s.
 */
@ConsumerType
public interface Aligner {

    /** Whether the trainer must also run a frozen reference model. */
    boolean needsReferenceModel();

    /**
     * The loss to minimise for a batch.
     *
     * @param logProbs summed token log-probabilities {@code [batch]} by role:
     *     {@code policy_chosen}, {@code policy_rejected}, and where needed
     *     {@code reference_chosen}, {@code reference_rejected}, {@code policy_chosen_mean}, ...
     * @param arguments the user's arguments ({@code beta}, {@code loss_type}, ...) by name
     * @return a scalar loss, and metrics to log (rewards/chosen, rewards/margins, ...)
     */
    AlignmentLoss loss(Map<String, Tensor> logProbs, Map<String, Object> arguments, TensorOps ops);

    /** A loss and the metrics logged beside it. */
    record AlignmentLoss(Tensor loss, Map<String, Tensor> metrics) {}
}
