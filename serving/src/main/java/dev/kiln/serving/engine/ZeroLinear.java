package dev.kiln.serving.engine;

import dev.kiln.api.model.LinearLayer;
import dev.kiln.api.model.WrappedLinearLayer;
import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;

/**
 * A stand-in for a base layer while a tuner loads an adapter onto the model: it has the base
 * layer's shape and weights but its forward is zero, so the adapter layer the tuner wraps around
 * it computes the adapter's delta alone ({@code 0 + x Aᵀ Bᵀ · scaling} for LoRA). The base is
 * computed once for all rows by the {@link RoutedLinear} that holds these deltas.
 */
final class ZeroLinear extends WrappedLinearLayer {

    private final TensorOps ops;

    ZeroLinear(TensorOps ops, LinearLayer base) {
        super(base);
        this.ops = ops;
    }

    @Override
    public Tensor forward(Tensor x) {
        int[] dims = x.shape().toArray();
        dims[dims.length - 1] = outFeatures();
        return ops.zeros(Shape.of(dims), DType.F32);
    }
}
