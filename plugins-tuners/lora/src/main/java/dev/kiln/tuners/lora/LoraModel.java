package dev.kiln.tuners.lora;

import dev.kiln.api.model.CausalLM;
import dev.kiln.api.model.LinearLayer;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tuner.Tuner.TunedModel;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A model with LoRA adapters on some of its linear layers: the adapters' matrices (and DoRA's
 * magnitude vectors) are what trains and what is saved, under PEFT's names, with PEFT's
 * adapter_config.json.
 */
final class LoraModel implements TunedModel {

    private final CausalLM model;
    private final Map<String, LoraLinear> adapters;
    private final Map<String, Tensor> matrices = new LinkedHashMap<>();
    private final Set<String> fasterWithLoraPlus = new HashSet<>();
    private final Map<String, Object> adapterConfig;
    private final double loraPlusRatio;
    private boolean merged;

    /**
     * @param adapters the wrapped layers by module name, in the model's order
     * @param loraPlusRatio LoRA+'s learning-rate factor of B and the magnitudes; 1 for none
     */
    LoraModel(CausalLM model, Map<String, LoraLinear> adapters, Map<String, Object> adapterConfig,
            double loraPlusRatio) {
        this.model = model;
        this.adapters = Collections.unmodifiableMap(new LinkedHashMap<>(adapters));
        this.adapterConfig = Collections.unmodifiableMap(adapterConfig);
        this.loraPlusRatio = loraPlusRatio;
        adapters.forEach((module, layer) -> {
            matrices.put(PeftNames.loraA(module), layer.loraA());
            matrices.put(PeftNames.loraB(module), layer.loraB());
            fasterWithLoraPlus.add(PeftNames.loraB(module));
            if (layer instanceof DoraLinear dora) {
                matrices.put(PeftNames.magnitude(module), dora.magnitude());
                fasterWithLoraPlus.add(PeftNames.magnitude(module));
            }
        });
    }

    /** The adapted layers by module name. */
    Map<String, LoraLinear> adapters() {
        return adapters;
    }

    /** The A and B matrices and DoRA's magnitudes, by the names they are saved under. */
    @Override
    public Map<String, Tensor> trainableParameters() {
        return Collections.unmodifiableMap(matrices);
    }

    /** None: PEFT and ms-swift decay the adapters' matrices like any weight. */
    @Override
    public List<String> noWeightDecay() {
        return List.of();
    }

    /**
     * LoRA+ ({@code --lorap_lr_ratio R}) as PEFT's {@code create_loraplus_optimizer} and
     * ms-swift group the parameters: every lora_B, and every one-dimensional parameter (DoRA's
     * magnitudes), trains with R times the learning rate; lora_A with the rate itself.
     */
    @Override
    public double learningRateScale(String name) {
        return fasterWithLoraPlus.contains(name) ? loraPlusRatio : 1;
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
     * Adds each adapter's {@code B A · scaling} to its base weight (DoRA: and rescales its rows to
     * the magnitudes, {@link DoraLinear#mergeIntoBase()}) and puts the base layers back
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
