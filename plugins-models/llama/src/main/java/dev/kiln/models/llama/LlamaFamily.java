package dev.kiln.models.llama;

import dev.kiln.api.model.CausalLM;
import dev.kiln.api.model.ModelConfig;
import dev.kiln.api.model.ModelFamily;
import dev.kiln.api.tensor.TensorOps;
import java.util.Set;
import java.util.TreeSet;
import org.osgi.service.component.annotations.Component;

/**
 * The llama family: LlamaForCausalLM (Llama 2, Llama 3.x with llama3 rope scaling, TinyLlama,
 * SmolLM), MistralForCausalLM (with its sliding window), Qwen2ForCausalLM and Qwen3ForCausalLM.
 * One implementation, {@link LlamaModel}; what differs is read from config.json
 * ({@link LlamaConfig}).
 */
@Component(service = ModelFamily.class)
public final class LlamaFamily implements ModelFamily {

    @Override
    public String name() {
        return "llama";
    }

    @Override
    public Set<String> architectures() {
        return new TreeSet<>(LlamaConfig.ARCHITECTURES.keySet());
    }

    @Override
    public Set<String> modelTypes() {
        return new TreeSet<>(LlamaConfig.Traits.BY_MODEL_TYPE.keySet());
    }

    @Override
    public CausalLM create(ModelConfig config, TensorOps ops, long seed) {
        return new LlamaModel(config, LlamaConfig.from(config), ops, Initializer.seeded(seed));
    }

    /** Parameters stay zero until the loader fills them: no random draws. */
    @Override
    public CausalLM createForLoading(ModelConfig config, TensorOps ops) {
        return new LlamaModel(config, LlamaConfig.from(config), ops, Initializer.NONE);
    }

    @Override
    public String toString() {
        return "llama family " + architectures();
    }
}
