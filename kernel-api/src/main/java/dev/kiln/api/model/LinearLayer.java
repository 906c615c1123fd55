package dev.kiln.api.model;

import dev.kiln.api.tensor.Tensor;
import java.util.Optional;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A linear layer {@code y = x Wᵀ + b} of a model: the unit that tuners wrap (LoRA, DoRA, ...) and
 * quantizers replace, as PEFT does with torch.nn.Linear.
 */
@ConsumerType
public interface LinearLayer {

    int inFeatures();

    int outFeatures();

    /** The base weight {@code [out, in]}. */
    Tensor weight();

    Optional<Tensor> bias();

    /** {@code x [..., in]} to {@code [..., out]}. */
    Tensor forward(Tensor x);
}
