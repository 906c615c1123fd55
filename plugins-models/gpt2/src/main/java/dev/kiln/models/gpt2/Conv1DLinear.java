package dev.kiln.models.gpt2;

import dev.kiln.api.model.LinearLayer;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import java.util.Optional;

/**
 * transformers' {@code Conv1D}, the linear layer of GPT-2: {@code y = x W + b} with the weight
 * stored <em>transposed</em> relative to torch.nn.Linear, {@code [in, out]}, as the checkpoint
 * stores it. {@link #weight()} is that tensor itself, not a transposed copy, so a checkpoint loads
 * into it and an adapter merged into it lands in the checkpoint's layout; this is what PEFT calls
 * {@code fan_in_fan_out=True}: a tuner that merges a LoRA delta {@code B A} ({@code [out, in]})
 * adds its transpose. {@link #forward} is the same function as a Linear layer's.
 */
final class Conv1DLinear implements LinearLayer {

    private final TensorOps ops;
    private final Tensor weight;
    private final Tensor bias;

    /**
     * @param weight {@code [in, out]}
     * @param bias {@code [out]}
     */
    Conv1DLinear(TensorOps ops, Tensor weight, Tensor bias) {
        if (weight.shape().rank() != 2 || bias.shape().rank() != 1
                || bias.shape().dim(0) != weight.shape().dim(1)) {
            throw new IllegalArgumentException("Conv1D: weight " + weight.shape() + " and bias "
                    + bias.shape() + " are not [in, out] and [out]");
        }
        this.ops = ops;
        this.weight = weight;
        this.bias = bias;
    }

    @Override
    public int inFeatures() {
        return weight.shape().dim(0);
    }

    @Override
    public int outFeatures() {
        return weight.shape().dim(1);
    }

    /** The weight as GPT-2 stores it: {@code [in, out]}, the transpose of a Linear's. */
    @Override
    public Tensor weight() {
        return weight;
    }

    /** Yes: {@link #weight()} is {@code [in, out]}. */
    @Override
    public boolean fanInFanOut() {
        return true;
    }

    @Override
    public Optional<Tensor> bias() {
        return Optional.of(bias);
    }

    @Override
    public Tensor forward(Tensor x) {
        return ops.add(ops.matmul(x, weight, false), bias);
    }

    @Override
    public String toString() {
        return "Conv1D(in=" + inFeatures() + ", out=" + outFeatures() + ", weight [in, out] "
                + weight.dtype().label() + ")";
    }
}
