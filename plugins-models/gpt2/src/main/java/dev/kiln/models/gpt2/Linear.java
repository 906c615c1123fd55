package dev.kiln.models.gpt2;

import dev.kiln.api.model.LinearLayer;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import java.util.Optional;

/**
 * GPT-2's one torch.nn.Linear, {@code lm_head}: {@code x Wᵀ} with the weight {@code [vocab,
 * n_embd]} (wte's own tensor when the head is tied) and no bias.
 */
final class Linear implements LinearLayer {

    private final TensorOps ops;
    private final Tensor weight;

    Linear(TensorOps ops, Tensor weight) {
        this.ops = ops;
        this.weight = weight;
    }

    @Override
    public int inFeatures() {
        return weight.shape().dim(1);
    }

    @Override
    public int outFeatures() {
        return weight.shape().dim(0);
    }

    @Override
    public Tensor weight() {
        return weight;
    }

    @Override
    public Optional<Tensor> bias() {
        return Optional.empty();
    }

    @Override
    public Tensor forward(Tensor x) {
        return ops.linear(x, weight, null);
    }

    @Override
    public String toString() {
        return "Linear(in=" + inFeatures() + ", out=" + outFeatures() + ", bias=false, "
                + weight.dtype().label() + ")";
    }
}
