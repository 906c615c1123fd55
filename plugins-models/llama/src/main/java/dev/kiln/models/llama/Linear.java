package dev.kiln.models.llama;

import dev.kiln.api.model.LinearLayer;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import java.util.Optional;

/** A linear layer as torch.nn.Linear: {@code x Wᵀ + b}, the weight F32, BF16 or F16. */
final class Linear implements LinearLayer {

    private final TensorOps ops;
    private final Tensor weight;
    private final Tensor bias;

    /** @param bias null for none */
    Linear(TensorOps ops, Tensor weight, Tensor bias) {
        this.ops = ops;
        this.weight = weight;
        this.bias = bias;
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
        return Optional.ofNullable(bias);
    }

    @Override
    public Tensor forward(Tensor x) {
        return ops.linear(x, weight, bias);
    }

    @Override
    public String toString() {
        return "Linear(in=" + inFeatures() + ", out=" + outFeatures() + ", bias=" + (bias != null)
                + ", " + weight.dtype().label() + ")";
    }
}
