package dev.kiln.tuners.lora;

import dev.kiln.api.model.CausalLM;
import dev.kiln.api.model.LinearLayer;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tuner.Tuner.TunedModel;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model with LoRA adapters on some of its linear layers: the adapters' matrices are what
 * trains and what is saved, under PEFT's names, with PEFT's adapter_config.json.
 */
final class LoraModel implements TunedModel {

    private final CausalLM model;
    private final Map<String, LoraLinear> adapters;
    private final Map<String, Tensor> matrices = new LinkedHashMap<>();
    private final Map<String, Object> adapterConfig;
    private boolean merged;

    /** @param adapters the wrapped layers by module name, in the model's order */
    LoraModel(CausalLM model, Map<String, LoraLinear> adapters, Map<String, Object> adapterConfig) {
        this.model = model;
        this.adapters = Collections.unmodifiableMap(new LinkedHashMap<>(adapters));
        this.adapterConfig = Collections.unmodifiableMap(adapterConfig);
        adapters.forEach((module, layer) -> {
            matrices.put(PeftNames.loraA(module), layer.loraA());
            matrices.put(PeftNames.loraB(module), layer.loraB());
        });
    }

    /** The adapted layers by module name. */
    Map<String, LoraLinear> adapters() {
        return adapters;
    }

    /** The A and B matrices, by the names they are saved under. */
    @Override
    public Map<String, Tensor> trainableParameters() {
        return Collections.unmodifiableMap(matrices);
    }

    /** None: PEFT and ms-swift decay the adapters' matrices like any weight. */
    @Override
    public List<String> noWeightDecay() {
        return List.of();
    }

    @Override
    public Map<String, Tensor> stateToSave() {
        return Collections.unmodifiableMap(matrices);
    }

    @Override
    public Map<String, Object> adapterConfig() {
        return adapterConfig;
    }

    /**
     * Adds each adapter's {@code B A · scaling} to its base weight and puts the base layers back
     * into the model, which then computes what the adapted model computed, without adapters: the
     * model {@code export --merge_lora} saves. Once only; later calls do nothing.
     */
    @Override
    public void merge() {
        if (merged) {
            return;
        }
        adapters.forEach((module, layer) -> {
            LinearLayer current = model.linearLayers().get(module);
            if (current != layer) {
                throw new IllegalStateException("cannot merge the LoRA adapter of " + module
                        + ": the model's layer is now " + current + ", not the adapter");
            }
        });
        adapters.forEach((module, layer) -> {
            layer.mergeIntoBase();
            model.wrapLinear(module, current -> layer.base());
        });
        merged = true;
    }
}
