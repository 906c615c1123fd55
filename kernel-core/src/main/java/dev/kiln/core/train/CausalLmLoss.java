package dev.kiln.core.train;

import dev.kiln.api.model.CausalLM;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.core.data.Batch;
import dev.kiln.core.data.EncodedSample;

/**
 * The causal-LM loss of a batch, as transformers' {@code ForCausalLMLoss}: the logits at position
 * t predict the label at t + 1 (labels are shifted here, not in the data), positions without a
 * label ({@code -100}) take no loss, and no position predicts across the boundary of a packed
 * segment or into padding.
 */
final class CausalLmLoss {

    private final TensorOps ops;
    private final CausalLM model;

    CausalLmLoss(TensorOps ops, CausalLM model) {
        this.ops = ops;
        this.model = model;
    }

    /** The shifted targets of a batch, row-major {@code [rows · seqLength]}. */
    static int[] targets(Batch batch) {
        int seq = batch.seqLength();
        int[] labels = batch.labels();
        int[] segments = batch.attentionMask();
        int[] targets = new int[labels.length];
        for (int row = 0; row < batch.rows(); row++) {
            for (int t = 0; t < seq; t++) {
                int i = row * seq + t;
                boolean sameSegment = t + 1 < seq && segments[i] != 0
                        && segments[i + 1] == segments[i];
                targets[i] = sameSegment ? labels[i + 1] : EncodedSample.IGNORE_INDEX;
            }
        }
        return targets;
    }

    /** How many targets take loss. */
    static int countTrained(int[] targets) {
        int n = 0;
        for (int target : targets) {
            if (target != EncodedSample.IGNORE_INDEX) {
                n++;
            }
        }
        return n;
    }

    /**
     * The sum of the token losses of {@code batch} divided by {@code denominator}: with the
     * tokens of all micro-batches of an optimizer step as the denominator, the gradients summed
     * over the micro-batches are those of the per-token mean over the step (transformers'
     * {@code num_items_in_batch}). A scalar; the caller runs backward and frees it.
     *
     * @param targets {@link #targets(Batch)}
     * @param trained {@link #countTrained(int[])} of the targets, above 0
     */
    Tensor loss(Batch batch, int[] targets, int trained, long denominator) {
        Shape shape = Shape.of(batch.rows(), batch.seqLength());
        Tensor logits = model.forward(ops.tensor(batch.inputIds(), shape),
                ops.tensor(batch.positions(), shape), ops.tensor(batch.attentionMask(), shape), null);
        int vocab = logits.shape().dim(2);
        Tensor mean = ops.crossEntropy(ops.reshape(logits, Shape.of(batch.rows() * batch.seqLength(),
                vocab)), ops.tensor(targets, Shape.of(targets.length)), EncodedSample.IGNORE_INDEX);
        return trained == denominator ? mean : ops.scale(mean, (float) ((double) trained / denominator));
    }
}
