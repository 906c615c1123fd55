package dev.kiln.api.model;

import dev.kiln.api.tensor.TensorOps;
import java.util.Set;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A family of model architectures that share one implementation, differing only in
 * configuration: {@code llama} serves Llama, Mistral, Qwen2 and Qwen3. A vendor adds a family by
 * registering one; the kernel picks the family whose {@link #architectures()} contains the
 * checkpoint's {@code architectures} entry (or whose {@link #modelTypes()} contains its
 * {@code model_type}).
 */
@ConsumerType
public interface ModelFamily {

    /** A short name: {@code llama}, {@code gpt2}. */
    String name();

    /** The Hugging Face {@code architectures} it serves: {@code LlamaForCausalLM}, ... */
    Set<String> architectures();

    /** The {@code model_type}s it serves: {@code llama}, {@code qwen2}, ... */
    Set<String> modelTypes();

    /**
     * Builds the model described by {@code config} on {@code ops}' device, its parameters
     * allocated and initialized as the architecture initializes them (seeded), ready to be
     * overwritten by a checkpoint.
     *
     * @throws IllegalArgumentException naming the config file and key for a configuration it
     *     cannot build
     */
    CausalLM create(ModelConfig config, TensorOps ops, long seed);

    /**
     * Builds the model described by {@code config} with its parameters allocated but not
     * initialized (their values are unspecified), for a loader that overwrites every one of them
     * from a checkpoint: drawing billions of random values only to overwrite them is slow. The
     * default initializes them anyway.
     *
     * @throws IllegalArgumentException as {@link #create}
     */
    default CausalLM createForLoading(ModelConfig config, TensorOps ops) {
        return create(config, ops, 0);
    }
}
