package dev.kiln.tuners.full;

import dev.kiln.api.model.CausalLM;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tuner.Tuner;
import dev.kiln.api.tuner.TunerName;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.osgi.service.component.annotations.Component;

/**
 * {@code --train_type full}: every parameter of the model trains (ms-swift's
 * {@code --freeze_parameters}, {@code --freeze_parameters_ratio} and
 * {@code --trainable_parameters} can hold some back), and a checkpoint is the whole model under
 * its Hugging Face names.
 */
@Component(service = Tuner.class)
@TunerName("full")
public final class FullTuner implements Tuner {

    /**
     * transformers' {@code Trainer.get_decay_parameter_names}: no weight decay for biases and
     * normalization weights, found by these patterns in the lower-cased name, and for
     * {@code nn.LayerNorm} modules, which a name cannot tell; GPT-2 names its LayerNorms
     * {@code ln_1}, {@code ln_2}, {@code ln_f}, the last pattern.
     */
    private static final List<Pattern> NO_DECAY = List.of(Pattern.compile("bias"),
            Pattern.compile("layernorm"), Pattern.compile("rmsnorm"),
            Pattern.compile("(?:^|\\.)norm(?:$|\\.)"), Pattern.compile("_norm(?:$|\\.)"),
            Pattern.compile("(?:^|\\.)ln_[^.]*\\."));

    @Override
    public TunedModel apply(CausalLM model, Map<String, Object> arguments, TensorOps ops,
            long seed) {
        Set<String> frozen = ParameterSelection.fromArguments(arguments).frozen(model.parameters());
        Map<String, Tensor> trainable = new LinkedHashMap<>();
        model.parameters().forEach((name, p) -> {
            boolean trains = !frozen.contains(name);
            p.setRequiresGrad(trains); // also undoes an earlier freeze
            if (trains) {
                trainable.put(name, p);
            }
        });
        List<String> noDecay = new ArrayList<>();
        for (String name : trainable.keySet()) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (NO_DECAY.stream().anyMatch(p -> p.matcher(lower).find())) {
                noDecay.add(name);
            }
        }
        return new FullModel(Collections.unmodifiableMap(trainable), List.copyOf(noDecay),
                model.parameters());
    }

    /** A model trained whole: nothing to merge, nothing beside the weights to save. */
    private record FullModel(Map<String, Tensor> trainableParameters, List<String> noWeightDecay,
            Map<String, Tensor> stateToSave) implements TunedModel {

        @Override
        public Map<String, Object> adapterConfig() {
            return Map.of();
        }

        /** Nothing to fold: the weights are the model's own. */
        @Override
        public void merge() {}
    }
}
