package dev.kiln.serving.engine;

import dev.kiln.api.model.LinearLayer;
import dev.kiln.api.tensor.Tensor;
import java.util.Optional;

/**
 * A layer that stands where a base linear layer stood and has its shape and weights: what the
 * serving engine puts in the model (routers, stand-ins, differences) differs from the base only
 * in its forward.
 */
abstract class ShapedLikeBase implements LinearLayer {

    final LinearLayer base;

    ShapedLikeBase(LinearLayer base) {
        this.base = base;
    }

    /** The base layer this one stands for. */
    LinearLayer base() {
        return base;
    }

    @Override
    public int inFeatures() {
        return base.inFeatures();
    }

    @Override
    public int outFeatures() {
        return base.outFeatures();
    }

    @Override
    public Tensor weight() {
        return base.weight();
    }

    @Override
    public Optional<Tensor> bias() {
        return base.bias();
    }

    @Override
    public boolean fanInFanOut() {
        return base.fanInFanOut();
    }
}
