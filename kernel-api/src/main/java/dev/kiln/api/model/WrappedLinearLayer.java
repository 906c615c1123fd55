package dev.kiln.api.model;

import dev.kiln.api.tensor.Tensor;
import java.util.Objects;
import java.util.Optional;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A linear layer put where a base layer stood, with the base's shape and weights, differing only
 * in its forward: what a tuner wraps around a layer (LoRA, DoRA), or a server routes through.
 * Subclasses implement {@link #forward} and may call the base's.
 */
@ConsumerType
public abstract class WrappedLinearLayer implements LinearLayer {

    private final LinearLayer base;

    protected WrappedLinearLayer(LinearLayer base) {
        this.base = Objects.requireNonNull(base, "base");
    }

    /** The layer this one stands for. */
    public final LinearLayer base() {
        return base;
    }

    @Override
    public final int inFeatures() {
        return base.inFeatures();
    }

    @Override
    public final int outFeatures() {
        return base.outFeatures();
    }

    @Override
    public final Tensor weight() {
        return base.weight();
    }

    @Override
    public final Optional<Tensor> bias() {
        return base.bias();
    }

    @Override
    public final boolean fanInFanOut() {
        return base.fanInFanOut();
    }
}
