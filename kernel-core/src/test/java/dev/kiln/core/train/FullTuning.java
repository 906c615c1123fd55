package dev.kiln.core.train;

import dev.kiln.api.model.CausalLM;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tuner.Tuner.TunedModel;
import java.util.List;
import java.util.Map;

/** Every parameter trained, norms without weight decay: what the full tuner does, for tests. */
record FullTuning(CausalLM model) implements TunedModel {

    @Override
    public Map<String, Tensor> trainableParameters() {
        return model.parameters();
    }

    @Override
    public List<String> noWeightDecay() {
        return model.parameters().keySet().stream().filter(n -> n.endsWith("norm.weight")).toList();
    }

    @Override
    public Map<String, Tensor> stateToSave() {
        return model.parameters();
    }

    @Override
    public Map<String, Object> adapterConfig() {
        return Map.of();
    }

    @Override
    public void merge() {}
}
