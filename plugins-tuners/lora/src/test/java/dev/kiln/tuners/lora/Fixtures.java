package dev.kiln.tuners.lora;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.api.model.CausalLM;
import dev.kiln.api.tensor.GradMode;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tensor.TensorScope;
import dev.kiln.api.tuner.Tuner.TunedModel;
import dev.kiln.api.weights.WeightSource;
import dev.kiln.core.model.LoadedModel;
import dev.kiln.core.model.ModelLoader;
import dev.kiln.core.tensor.TensorEngine;
import dev.kiln.hal.cpu.CpuDevice;
import dev.kiln.models.gpt2.Gpt2Family;
import dev.kiln.models.llama.LlamaFamily;
import dev.kiln.models.safetensors.SafetensorsFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tiny checkpoints of the llama and gpt2 families (their test resources, in this
 * repository), the adapters and goldens src/test/python/make_goldens.py wrote, and a loader on
 * the CPU backend.
 */
@SuppressWarnings("try") // grad modes and scopes act by being open
final class Fixtures {

    static final CpuDevice CPU = new CpuDevice(2);
    static final SafetensorsFormat SAFETENSORS = new SafetensorsFormat();
    static final ModelLoader LOADER = new ModelLoader(List.of(new LlamaFamily(), new Gpt2Family()),
            List.of(SAFETENSORS));
    static final ObjectMapper JSON = new ObjectMapper();

    private static final Path REPOSITORY =
            Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("../..").normalize();

    private Fixtures() {}

    static TensorOps ops() {
        return new TensorEngine().on(CPU);
    }

    static LoraTuner tuner() {
        return new LoraTuner(List.of(SAFETENSORS));
    }

    /**
     * {@code llama3} or {@code gpt2} (or their DoRA adapters {@code llama3-dora},
     * {@code gpt2-dora}): the checkpoint the adapter of that name was made for.
     */
    static Path checkpoint(String name) {
        return REPOSITORY.resolve(switch (name.replace("-dora", "")) {
            case "llama3" -> "plugins-models/llama/src/test/resources/checkpoints/llama3";
            case "gpt2" -> "plugins-models/gpt2/src/test/resources/tiny-gpt2";
            default -> throw new IllegalArgumentException(name);
        });
    }

    static LoadedModel load(String name, TensorOps ops) {
        try {
            return LOADER.load(checkpoint(name), ops);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path resource(String path) {
        try {
            return Path.of(Fixtures.class.getResource("/" + path).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test resource " + path + " is missing", e);
        }
    }

    static Path adapter(String name) {
        return resource("adapters/" + name);
    }

    static JsonNode goldenJson(String name) {
        try {
            return JSON.readTree(resource("goldens/" + name + ".json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every F32 tensor of goldens/NAME.safetensors, by name. */
    static Map<String, float[]> goldenTensors(String name) {
        Map<String, float[]> tensors = new LinkedHashMap<>();
        try (WeightSource source = SAFETENSORS.open(resource("goldens/" + name + ".safetensors"))) {
            for (String tensor : source.tensors().keySet()) {
                tensors.put(tensor, source.data(tensor).toArray(ValueLayout.JAVA_FLOAT));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return tensors;
    }

    static int[] ints(JsonNode array) {
        int[] values = new int[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asInt();
        }
        return values;
    }

    /** The logits {@code [seq * vocab]} of one sequence, without gradients. */
    static float[] logits(CausalLM model, TensorOps ops, int[] ids) {
        try (GradMode off = ops.noGrad(); TensorScope scope = ops.scope()) {
            return forward(model, ops, ids).toFloatArray();
        }
    }

    /** The forward of one sequence: logits {@code [1, seq, vocab]}. */
    static Tensor forward(CausalLM model, TensorOps ops, int[] ids) {
        int[] positions = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            positions[i] = i;
        }
        return model.forward(ops.tensor(ids, Shape.of(1, ids.length)),
                ops.tensor(positions, Shape.of(1, ids.length)), null);
    }

    /** transformers' causal LM loss: the mean cross-entropy of logits at t against token t + 1. */
    static Tensor loss(CausalLM model, TensorOps ops, int[] ids) {
        Tensor logits = forward(model, ops, ids);
        int vocab = logits.shape().dim(2);
        Tensor predictions = ops.narrow(ops.reshape(logits, Shape.of(ids.length, vocab)), 0, 0,
                ids.length - 1);
        int[] targets = new int[ids.length - 1];
        System.arraycopy(ids, 1, targets, 0, targets.length);
        return ops.crossEntropy(predictions, ops.tensor(targets, Shape.of(targets.length)), -100);
    }

    /** The largest |got - want| / (atol + rtol |want|): at most 1 passes, as torch.allclose. */
    static double closeness(float[] got, float[] want, double atol, double rtol) {
        if (got.length != want.length) {
            throw new AssertionError(got.length + " values, expected " + want.length);
        }
        double worst = 0;
        for (int i = 0; i < got.length; i++) {
            double error = Math.abs((double) got[i] - want[i]);
            worst = Math.max(worst, Double.isNaN(error) ? Double.POSITIVE_INFINITY
                    : error / (atol + rtol * Math.abs(want[i])));
        }
        return worst;
    }

    /**
     * Saves a tuned model's adapter as the trainer does: adapter_config.json (sorted keys, as
     * PEFT writes it) and adapter_model.safetensors.
     */
    static void save(TunedModel tuned, Path directory) {
        try {
            Files.createDirectories(directory);
            JSON.writerWithDefaultPrettyPrinter().writeValue(
                    directory.resolve("adapter_config.json").toFile(), tuned.adapterConfig());
            SAFETENSORS.write(directory.resolve("adapter_model.safetensors"), tuned.stateToSave(),
                    Map.of("format", "pt"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, Object> readJson(Path file) {
        try {
            return JSON.readValue(file.toFile(), new TypeReference<>() {});
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
