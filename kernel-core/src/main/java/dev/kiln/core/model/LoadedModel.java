package dev.kiln.core.model;

import dev.kiln.api.model.CausalLM;
import dev.kiln.api.model.ModelConfig;
import dev.kiln.api.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;

/**
 * A model {@link ModelLoader} built and filled from a checkpoint.
 *
 * @param model the model, its parameters on the ops' device
 * @param config the configuration it was built from ({@code torch_dtype} set to the dtype its
 *     weights were loaded in)
 * @param location the directory or file it was loaded from
 * @param family the name of the model family that built it ({@code llama})
 * @param format the name of the weight format that read it ({@code safetensors})
 * @param summary parameter count, dtypes and bytes
 * @param warnings what was odd but not fatal: checkpoint tensors the model does not use
 */
public record LoadedModel(CausalLM model, ModelConfig config, Path location, String family,
        String format, ModelSummary summary, List<String> warnings) implements AutoCloseable {

    public LoadedModel {
        warnings = List.copyOf(warnings);
    }

    /** Frees the parameters' device memory; the model must not be used afterwards. */
    @Override
    public void close() {
        model.parameters().values().forEach(Tensor::close);
    }
}
