package dev.kiln.tuners.lora;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.api.weights.TensorInfo;
import dev.kiln.api.weights.WeightFormat;
import dev.kiln.api.weights.WeightSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A saved adapter as PEFT lays it out: {@code adapter_config.json} and
 * {@code adapter_model.safetensors}, whose tensors are grouped here by the module they adapt.
 */
final class AdapterDirectory {

    static final String CONFIG = "adapter_config.json";
    static final String WEIGHTS = "adapter_model.safetensors";
    private static final String PICKLED_WEIGHTS = "adapter_model.bin";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The A and B matrices of one module, as stored, and its DoRA magnitude vector or null. */
    record Matrices(TensorInfo a, TensorInfo b, TensorInfo magnitude) {}

    private AdapterDirectory() {}

    /** adapter_config.json, parsed. */
    static Map<String, Object> readConfig(Path directory) throws IOException {
        Path file = directory.resolve(CONFIG);
        if (!Files.isRegularFile(file)) {
            throw new IOException(directory + ": no " + CONFIG + ": not a PEFT adapter directory");
        }
        try {
            Map<String, Object> config = JSON.readValue(file.toFile(), new TypeReference<>() {});
            if (config == null) {
                throw new IOException(file + ": not a JSON object");
            }
            return config;
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Opens adapter_model.safetensors with the first format that reads it. */
    static WeightSource openWeights(Path directory, List<WeightFormat> formats) throws IOException {
        Path file = directory.resolve(WEIGHTS);
        if (!Files.isRegularFile(file)) {
            if (Files.isRegularFile(directory.resolve(PICKLED_WEIGHTS))) {
                throw new IOException(directory + ": has " + PICKLED_WEIGHTS + " (a PyTorch pickle),"
                        + " which Kiln does not read; save the adapter with safe_serialization=True");
            }
            throw new IOException(directory + ": no " + WEIGHTS);
        }
        for (WeightFormat format : formats) {
            if (format.canOpen(file)) {
                return format.open(file);
            }
        }
        throw new IOException(file + ": no weight format can read it (is the safetensors plugin"
                + " installed?)");
    }

    /**
     * The tensors of {@code source} by module name, in file order.
     *
     * @throws IOException naming the tensor that is not an adapter's, or the module whose A or B
     *     is missing
     */
    static Map<String, Matrices> matricesByModule(WeightSource source) throws IOException {
        Map<PeftNames.Part, Map<String, TensorInfo>> parts = new EnumMap<>(PeftNames.Part.class);
        for (PeftNames.Part part : PeftNames.Part.values()) {
            parts.put(part, new LinkedHashMap<>());
        }
        for (TensorInfo info : source.tensors().values()) {
            PeftNames.Key key = PeftNames.parse(info.name()).orElseThrow(() -> new IOException(
                    source.location() + ": tensor '" + info.name() + "' is not a LoRA tensor"
                            + " (base_model.model.<module>.lora_A.weight, .lora_B.weight or"
                            + " .lora_magnitude_vector)"));
            TensorInfo previous = parts.get(key.part()).put(key.module(), info);
            if (previous != null) {
                throw new IOException(source.location() + ": tensors '" + previous.name() + "' and '"
                        + info.name() + "' are the same tensor");
            }
        }
        Map<String, TensorInfo> as = parts.get(PeftNames.Part.A);
        Map<String, TensorInfo> bs = parts.get(PeftNames.Part.B);
        Map<String, TensorInfo> magnitudes = parts.get(PeftNames.Part.MAGNITUDE);
        Map<String, Matrices> modules = new LinkedHashMap<>();
        for (String module : as.keySet()) {
            if (!bs.containsKey(module)) {
                throw new IOException(source.location() + ": '" + module + "' has lora_A but no"
                        + " lora_B");
            }
            modules.put(module, new Matrices(as.get(module), bs.get(module), magnitudes.get(module)));
        }
        for (String module : bs.keySet()) {
            if (!as.containsKey(module)) {
                throw new IOException(source.location() + ": '" + module + "' has lora_B but no"
                        + " lora_A");
            }
        }
        for (String module : magnitudes.keySet()) {
            if (!as.containsKey(module)) {
                throw new IOException(source.location() + ": '" + module + "' has a"
                        + " lora_magnitude_vector but no lora_A and lora_B");
            }
        }
        if (modules.isEmpty()) {
            throw new IOException(source.location() + ": holds no LoRA matrices");
        }
        return modules;
    }
}
