package dev.kiln.tuners.lora;

import dev.kiln.api.model.CausalLM;
import dev.kiln.api.model.LinearLayer;
import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tuner.Tuner;
import dev.kiln.api.tuner.TunerName;
import dev.kiln.api.weights.TensorInfo;
import dev.kiln.api.weights.WeightFormat;
import dev.kiln.api.weights.WeightSource;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * {@code --train_type lora}: LoRA adapters on the linear layers {@code --target_modules} names,
 * the base model frozen, as PEFT's {@code LoraModel} (rsLoRA with {@code --use_rslora}, DoRA with
 * {@code --use_dora}, LoRA+'s learning rates with {@code --lorap_lr_ratio}). Adapters are saved
 * and loaded in PEFT's layout, so PEFT reads Kiln's and Kiln reads PEFT's.
 *
 * <p>Arguments (ms-swift's names and defaults): {@code lora_rank} 8, {@code lora_alpha} 32,
 * {@code lora_dropout} 0.05, {@code target_modules} all-linear (or {@code target_regex}),
 * {@code use_rslora} false, {@code use_dora} false, {@code lorap_lr_ratio} none,
 * {@code init_weights} / {@code init_lora_weights} true, {@code model} (recorded as
 * {@code base_model_name_or_path}).
 */
@Component(service = Tuner.class)
@TunerName("lora")
public final class LoraTuner implements Tuner {

    private final List<WeightFormat> formats;

    /** @param formats the formats an adapter's weights may be read with (safetensors) */
    @Activate
    public LoraTuner(@Reference(cardinality = ReferenceCardinality.MULTIPLE,
            policyOption = ReferencePolicyOption.GREEDY) List<WeightFormat> formats) {
        this.formats = List.copyOf(formats);
    }

    @Override
    public TunedModel apply(CausalLM model, Map<String, Object> arguments, TensorOps ops,
            long seed) {
        LoraSettings settings = LoraSettings.fromArguments(arguments);
        Map<String, LinearLayer> layers = new LinkedHashMap<>(model.linearLayers());
        List<String> modules = settings.targets().resolve(layers);
        freeze(model);
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, LoraLinear> adapters = new LinkedHashMap<>();
        for (String module : modules) {
            LinearLayer base = layers.get(module);
            int rank = settings.rankOf(module);
            SplittableRandom stream = random.split();
            Tensor a = ops.parameter(settings.init().drawA(rank, base.inFeatures(), stream),
                    Shape.of(rank, base.inFeatures()));
            Tensor b = ops.parameter(settings.init().drawB(base.outFeatures(), rank, stream),
                    Shape.of(base.outFeatures(), rank));
            Tensor magnitude = settings.useDora() ? ops.parameter(DoraLinear.initialMagnitude(ops,
                    base, a, b, settings.scaling(module)), Shape.of(base.outFeatures())) : null;
            adapters.put(module, wrap(model, module, base, a, b, magnitude, settings, ops));
        }
        boolean fanInFanOut = adapters.values().stream().anyMatch(LinearLayer::fanInFanOut);
        return new LoraModel(model, adapters,
                settings.toAdapterConfig(settings.targets().peftValue(layers), fanInFanOut),
                settings.loraPlusRatio());
    }

    /**
     * Reads a PEFT adapter directory and puts its adapters on {@code model}, frozen base and
     * trainable adapters as {@link #apply} leaves them. The tensors in adapter_model.safetensors
     * say which modules are adapted; adapter_config.json gives the scaling (r, lora_alpha,
     * use_rslora, rank_pattern, alpha_pattern), the dropout and whether they are DoRA adapters
     * (use_dora: then every module has a lora_magnitude_vector), and is kept as the
     * {@link TunedModel#adapterConfig()} for saving again.
     */
    @Override
    public TunedModel load(CausalLM model, Path adapterDirectory, TensorOps ops)
            throws IOException {
        Map<String, Object> config = AdapterDirectory.readConfig(adapterDirectory);
        LoraSettings settings = LoraSettings.fromAdapterConfig(config,
                adapterDirectory.resolve(AdapterDirectory.CONFIG));
        Map<String, LinearLayer> layers = new LinkedHashMap<>(model.linearLayers());
        Map<String, LoraLinear> adapters = new LinkedHashMap<>();
        try (WeightSource source = AdapterDirectory.openWeights(adapterDirectory, formats);
                Arena arena = Arena.ofConfined()) {
            Map<String, AdapterDirectory.Matrices> stored = AdapterDirectory.matricesByModule(source);
            // Everything is checked before the model is touched.
            for (Map.Entry<String, AdapterDirectory.Matrices> e : stored.entrySet()) {
                checkFits(source.location(), e.getKey(), layers, e.getValue(), settings);
            }
            freeze(model);
            for (String module : layers.keySet()) {
                AdapterDirectory.Matrices matrices = stored.get(module);
                if (matrices != null) {
                    Tensor a = loadMatrix(source, matrices.a(), ops, arena);
                    Tensor b = loadMatrix(source, matrices.b(), ops, arena);
                    Tensor magnitude = settings.useDora()
                            ? loadMatrix(source, matrices.magnitude(), ops, arena) : null;
                    adapters.put(module, wrap(model, module, layers.get(module), a, b, magnitude,
                            settings, ops));
                }
            }
        }
        return new LoraModel(model, adapters, config, 1);
    }

    /** @param magnitude DoRA's magnitude vector, or null for a plain LoRA adapter */
    private static LoraLinear wrap(CausalLM model, String module, LinearLayer base, Tensor a,
            Tensor b, Tensor magnitude, LoraSettings settings, TensorOps ops) {
        LoraLinear layer = magnitude == null
                ? new LoraLinear(ops, base, a, b, settings.scaling(module), settings.dropout(),
                        module.hashCode())
                : new DoraLinear(ops, base, a, b, magnitude, settings.scaling(module),
                        settings.dropout(), module.hashCode());
        model.wrapLinear(module, current -> layer);
        return layer;
    }

    /** The base model trains no more: its parameters get no gradients, and backward stops early. */
    private static void freeze(CausalLM model) {
        model.parameters().values().forEach(p -> p.setRequiresGrad(false));
    }

    /**
     * @throws IOException when the matrices disagree with the adapter's own rank
     * @throws IllegalArgumentException when the module is not in the model or has other sizes
     */
    private static void checkFits(Path file, String module, Map<String, LinearLayer> layers,
            AdapterDirectory.Matrices matrices, LoraSettings settings) throws IOException {
        LinearLayer base = layers.get(module);
        if (base == null) {
            throw new IllegalArgumentException(file + ": the adapter has '" + module
                    + "', which this model lacks; " + TargetModules.describe(layers));
        }
        int rank = settings.rankOf(module);
        Shape a = matrices.a().shape();
        Shape b = matrices.b().shape();
        if (a.rank() != 2 || b.rank() != 2 || a.dim(0) != rank || b.dim(1) != rank) {
            throw new IOException(file + ": '" + module + "' has lora_A " + a + " and lora_B " + b
                    + ", not of the adapter's rank " + rank + " (lora_A [r, in], lora_B [out, r])");
        }
        if (a.dim(1) != base.inFeatures() || b.dim(0) != base.outFeatures()) {
            throw new IllegalArgumentException(file + ": '" + module + "' has lora_A " + a
                    + " and lora_B " + b + ", but the model's layer has in " + base.inFeatures()
                    + ", out " + base.outFeatures() + ": an adapter for another model?");
        }
        TensorInfo magnitude = matrices.magnitude();
        if (settings.useDora() && magnitude == null) {
            throw new IOException(file + ": '" + module + "' has no lora_magnitude_vector, but"
                    + " adapter_config.json's use_dora is true");
        }
        if (!settings.useDora() && magnitude != null) {
            throw new IOException(file + ": '" + module + "' has a lora_magnitude_vector, but"
                    + " adapter_config.json's use_dora is false");
        }
        if (magnitude != null && (magnitude.shape().rank() != 1
                || magnitude.shape().dim(0) != base.outFeatures())) {
            throw new IOException(file + ": '" + module + "' has lora_magnitude_vector "
                    + magnitude.shape() + ", not [" + base.outFeatures() + "] (one per output)");
        }
    }

    private static Tensor loadMatrix(WeightSource source, TensorInfo info, TensorOps ops,
            Arena arena) throws IOException {
        Tensor matrix = ops.parameter(info.shape(), DType.F32);
        ops.copyFrom(matrix, source.values(info.name(), arena), info.dtype());
        return matrix;
    }
}
