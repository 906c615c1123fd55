package dev.kiln.tuners.full;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The full tuner on the llama and gpt2 families' tiny checkpoints, on the CPU backend. */
@SuppressWarnings("try") // grad modes and scopes act by being open
class FullTunerTest {

    private static final CpuDevice CPU = new CpuDevice(2);
    private static final SafetensorsFormat SAFETENSORS = new SafetensorsFormat();
    private static final ModelLoader LOADER = new ModelLoader(
            List.of(new LlamaFamily(), new Gpt2Family()), List.of(SAFETENSORS));
    private static final Path MODELS =
            Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("../../plugins-models")
                    .normalize();
    private static final int[] IDS = {5, 17, 99, 3, 250, 41, 7, 120};

    private final TensorOps ops = new TensorEngine().on(CPU);
    private final FullTuner tuner = new FullTuner();

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "gpt2"})
    void everyParameterTrainsAndIsSavedUnderItsCheckpointName(String name) throws IOException {
        try (LoadedModel loaded = load(checkpoint(name))) {
            TunedModel tuned = tuner.apply(loaded.model(), Map.of(), ops, 0);
            assertEquals(loaded.model().parameters(), tuned.trainableParameters());
            assertEquals(loaded.model().parameters(), tuned.stateToSave());
            assertTrue(tuned.trainableParameters().values().stream().allMatch(Tensor::requiresGrad));
            assertEquals(Map.of(), tuned.adapterConfig());
            try (WeightSource checkpoint = SAFETENSORS.open(checkpoint(name))) {
                assertEquals(checkpoint.tensors().keySet(), tuned.stateToSave().keySet());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "gpt2"})
    void biasesAndNormWeightsGetNoWeightDecay(String name) {
        try (LoadedModel loaded = load(checkpoint(name))) {
            TunedModel tuned = tuner.apply(loaded.model(), Map.of(), ops, 0);
            // In these architectures the biases and norm weights are exactly the vectors.
            Set<String> vectors = new TreeSet<>();
            loaded.model().parameters().forEach((n, p) -> {
                if (p.shape().rank() == 1) {
                    vectors.add(n);
                }
            });
            assertEquals(vectors, new TreeSet<>(tuned.noWeightDecay()));
            assertTrue(vectors.size() > 10);
        }
    }

    @Test
    void gradientsOfTheTrainableParametersAreTheGpt2GoldenOnesAfterAnEarlierFreeze()
            throws IOException {
        Path goldens = MODELS.resolve("gpt2/src/test/resources/goldens");
        JsonNode info = new ObjectMapper().readTree(goldens.resolve("goldens.json").toFile());
        int[] ids = ints(info.get("sequences").get(info.get("grad_sequence").asInt()));
        try (LoadedModel loaded = load(checkpoint("gpt2"));
                WeightSource golden = SAFETENSORS.open(goldens.resolve("goldens.safetensors"))) {
            CausalLM model = loaded.model();
            model.parameters().values().forEach(p -> p.setRequiresGrad(false)); // as LoRA leaves it
            TunedModel tuned = tuner.apply(model, Map.of(), ops, 0);
            try (TensorScope scope = ops.scope()) {
                Tensor loss = loss(model, ids);
                assertEquals(info.get("loss").asDouble(), loss.item(), 1e-4);
                loss.backward();
            }
            for (Map.Entry<String, Tensor> e : tuned.trainableParameters().entrySet()) {
                float[] want = golden.data("grad." + e.getKey()).toArray(ValueLayout.JAVA_FLOAT);
                float[] got = e.getValue().grad().orElseThrow().toFloatArray();
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], got[i], 1e-4 + 1e-4 * Math.abs(want[i]), e.getKey());
                }
            }
        }
    }

    @Test
    void freezeOptionsHoldParametersBackAsMsSwiftDoes() {
        try (LoadedModel loaded = load(checkpoint("llama3"))) {
            CausalLM model = loaded.model();
            TunedModel tuned = tuner.apply(model, Map.of("freeze_parameters", "model.layers.0 model.embed_tokens",
                    "trainable_parameters", List.of("model.layers.0.mlp.down_proj")), ops, 0);
            for (Map.Entry<String, Tensor> e : model.parameters().entrySet()) {
                boolean frozen = (e.getKey().startsWith("model.layers.0")
                        || e.getKey().startsWith("model.embed_tokens"))
                        && !e.getKey().startsWith("model.layers.0.mlp.down_proj");
                assertEquals(!frozen, e.getValue().requiresGrad(), e.getKey());
                assertEquals(!frozen, tuned.trainableParameters().containsKey(e.getKey()), e.getKey());
            }
            assertEquals(model.parameters(), tuned.stateToSave(), "a checkpoint is the whole model");
        }
        try (LoadedModel loaded = load(checkpoint("llama3"))) {
            Map<String, Tensor> parameters = loaded.model().parameters();
            long total = parameters.values().stream().mapToLong(p -> p.shape().numel()).sum();
            TunedModel tuned = tuner.apply(loaded.model(), Map.of("freeze_parameters_ratio", 0.5),
                    ops, 0);
            long frozen = 0;
            List<String> names = new ArrayList<>(parameters.keySet());
            int firstTrainable = names.indexOf(tuned.trainableParameters().keySet().iterator().next());
            for (int i = 0; i < firstTrainable; i++) {
                frozen += parameters.get(names.get(i)).shape().numel();
            }
            assertTrue(frozen <= total / 2);
            assertTrue(frozen + parameters.get(names.get(firstTrainable)).shape().numel() > total / 2);
            assertEquals(names.size() - firstTrainable, tuned.trainableParameters().size());
        }
    }

    @Test
    void aBadFreezeRatioIsRefusedByName() {
        try (LoadedModel loaded = load(checkpoint("llama3"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> tuner.apply(loaded.model(), Map.of("freeze_parameters_ratio", "1.5"), ops, 0));
            assertTrue(e.getMessage().startsWith("--freeze_parameters_ratio must be a number in [0, 1]"),
                    e.getMessage());
        }
    }

    @Test
    void theSavedStateLoadsAsAModelWithTheSameLogits() throws IOException {
        Path saved = dir.resolve("checkpoint-1");
        float[] before;
        try (LoadedModel loaded = load(checkpoint("llama3"))) {
            TunedModel tuned = tuner.apply(loaded.model(), Map.of(), ops, 0);
            tuned.merge(); // nothing to fold
            before = logits(loaded.model());
            Files.createDirectories(saved);
            Files.copy(checkpoint("llama3").resolve("config.json"), saved.resolve("config.json"));
            SAFETENSORS.write(saved.resolve("model.safetensors"), tuned.stateToSave(),
                    Map.of("format", "pt"));
        }
        assertEquals(Files.size(checkpoint("llama3").resolve("model.safetensors")),
                Files.size(saved.resolve("model.safetensors")));
        try (LoadedModel reloaded = load(saved)) {
            assertTrue(java.util.Arrays.equals(before, logits(reloaded.model())));
        }
    }

    private static Path checkpoint(String name) {
        return MODELS.resolve(name.equals("llama3") ? "llama/src/test/resources/checkpoints/llama3"
                : "gpt2/src/test/resources/tiny-gpt2");
    }

    private LoadedModel load(Path location) {
        try {
            return LOADER.load(location, ops);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private float[] logits(CausalLM model) {
        try (GradMode off = ops.noGrad(); TensorScope scope = ops.scope()) {
            return forward(model, IDS).toFloatArray();
        }
    }

    private Tensor forward(CausalLM model, int[] ids) {
        int[] positions = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            positions[i] = i;
        }
        return model.forward(ops.tensor(ids, Shape.of(1, ids.length)),
                ops.tensor(positions, Shape.of(1, ids.length)), null);
    }

    /** transformers' causal LM loss: logits at t against token t + 1, mean. */
    private Tensor loss(CausalLM model, int[] ids) {
        Tensor logits = forward(model, ids);
        int vocab = logits.shape().dim(2);
        Tensor predictions = ops.narrow(ops.reshape(logits, Shape.of(ids.length, vocab)), 0, 0,
                ids.length - 1);
        int[] targets = java.util.Arrays.copyOfRange(ids, 1, ids.length);
        return ops.crossEntropy(predictions, ops.tensor(targets, Shape.of(targets.length)), -100);
    }

    private static int[] ints(JsonNode array) {
        int[] values = new int[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asInt();
        }
        return values;
    }
}
