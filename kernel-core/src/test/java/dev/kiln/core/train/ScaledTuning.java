package dev.kiln.core.train;

import dev.kiln.api.model.CausalLM;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tuner.Tuner.TunedModel;
import java.util.List;
import java.util.Map;

/**
 * {@link FullTuning} whose parameters with {@code fragment} in their names train with
 * {@code scale} times the learning rate, as LoRA+ trains the B matrices: for tests.
 */
record ScaledTuning(FullTuning full, String fragment, double scale) implements TunedModel {

    ScaledTuning(CausalLM model, String fragment, double scale) {
        this(new FullTuning(model), fragment, scale);
    }

    @Override
    public double learningRateScale(String name) {
        return name.contains(fragment) ? scale : 1;
    }

    @Override
    public Map<String, Tensor> trainableParameters() {
        return full.trainableParameters();
    }

    @Override
    public List<String> noWeightDecay() {
        return full.noWeightDecay();
    }

    @Override
    public Map<String, Tensor> stateToSave() {
        return full.stateToSave();
    }

    @Override
    public Map<String, Object> adapterConfig() {
        return full.adapterConfig();
    }

    @Override
    public void merge() {}
}
