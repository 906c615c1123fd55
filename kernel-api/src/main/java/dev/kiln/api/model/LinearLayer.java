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

    /** The base weight {@code [out, in]}, or {@code [in, out]} when {@link #fanInFanOut()}. */
    Tensor weight();

    /**
     * Whether {@link #weight()} is stored {@code [in, out]}, the transpose of torch.nn.Linear's,
     * as transformers' {@code Conv1D} (GPT-2) stores it: PEFT's {@code fan_in_fan_out}. A tuner
     * that merges a delta {@code [out, in]} into such a weight adds its transpose.
     */
    default boolean fanInFanOut() {
        return false;
    }

    Optional<Tensor> bias();

    /** {@code x [..., in]} to {@code [..., out]}. */
    Tensor forward(Tensor x);
}
