package dev.kiln.models.gpt2;

import dev.kiln.api.model.CausalLM;
import dev.kiln.api.model.ModelConfig;
import dev.kiln.api.model.ModelFamily;
import dev.kiln.api.tensor.TensorOps;
import java.util.Set;
import org.osgi.service.component.annotations.Component;

/** The {@code gpt2} family: Hugging Face's GPT2LMHeadModel (GPT-2, DistilGPT-2, ...). */
@Component(service = ModelFamily.class)
public final class Gpt2Family implements ModelFamily {

    @Override
    public String name() {
        return "gpt2";
    }

    @Override
    public Set<String> architectures() {
        return Set.of("GPT2LMHeadModel");
    }

    @Override
    public Set<String> modelTypes() {
        return Set.of("gpt2");
    }

    @Override
    public CausalLM create(ModelConfig config, TensorOps ops, long seed) {
        Gpt2Config gpt2 = Gpt2Config.from(config);
        return new Gpt2Model(config, gpt2, ops, Gpt2Parameters.make(ops, gpt2, Initializer.seeded(seed)),
                seed);
    }

    /** Parameters stay zero until the loader fills them: no random draws. */
    @Override
    public CausalLM createForLoading(ModelConfig config, TensorOps ops) {
        Gpt2Config gpt2 = Gpt2Config.from(config);
        return new Gpt2Model(config, gpt2, ops, Gpt2Parameters.make(ops, gpt2, Initializer.NONE), 0);
    }

    @Override
    public String toString() {
        return "gpt2 family " + architectures();
    }
}
