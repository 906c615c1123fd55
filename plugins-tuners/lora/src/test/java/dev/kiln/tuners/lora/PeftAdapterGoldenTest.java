package dev.kiln.tuners.lora;

import static dev.kiln.tuners.lora.Fixtures.closeness;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.api.model.CausalLM;
import dev.kiln.api.model.LinearLayer;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tensor.TensorScope;
import dev.kiln.api.tuner.Tuner.TunedModel;
import dev.kiln.core.model.LoadedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The PEFT-layout adapters make_goldens.py wrote (llama3: rank_pattern and alpha_pattern, F32;
 * gpt2: Conv1D layers, so fan_in_fan_out, and rsLoRA, BF16; llama3-dora and gpt2-dora: DoRA on
 * Linear and on Conv1D with biases, F32), loaded on their tiny checkpoints on the CPU backend,
 * against PyTorch's float64 computation of LoRA and DoRA as PEFT defines them.
 */
@SuppressWarnings("try") // scopes act by being open
class PeftAdapterGoldenTest {

    private static final double TOLERANCE = 1e-4;

    private final TensorOps ops = Fixtures.ops();

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "gpt2", "llama3-dora", "gpt2-dora"})
    void aLoadedAdapterGivesThePyTorchLogitsAndLoss(String name) throws Exception {
        JsonNode golden = Fixtures.goldenJson(name);
        int[] ids = Fixtures.ints(golden.get("input_ids"));
        try (LoadedModel loaded = Fixtures.load(name, ops)) {
            float[] base = Fixtures.logits(loaded.model(), ops, ids);
            TunedModel tuned = Fixtures.tuner().load(loaded.model(), Fixtures.adapter(name), ops);
            assertEquals(golden.get("scaling").size(), ((LoraModel) tuned).adapters().size());
            assertEquals(name.endsWith("-dora"), ((LoraModel) tuned).adapters().values().stream()
                    .allMatch(l -> l instanceof DoraLinear));
            float[] logits = Fixtures.logits(loaded.model(), ops, ids);
            float[] want = Fixtures.goldenTensors(name).get("logits");
            assertClose(name + " logits", logits, want);
            assertTrue(closeness(base, want, TOLERANCE, TOLERANCE) > 10,
                    "the adapter changes the logits");
            try (TensorScope scope = ops.scope()) {
                assertEquals(golden.get("loss").asDouble(),
                        Fixtures.loss(loaded.model(), ops, ids).item(), 1e-4);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "gpt2", "llama3-dora", "gpt2-dora"})
    void eachAdapterHasThePeftScaling(String name) throws Exception {
        JsonNode scaling = Fixtures.goldenJson(name).get("scaling");
        try (LoadedModel loaded = Fixtures.load(name, ops)) {
            LoraModel tuned = (LoraModel) Fixtures.tuner().load(loaded.model(),
                    Fixtures.adapter(name), ops);
            assertEquals(scaling.size(), tuned.adapters().size());
            tuned.adapters().forEach((module, layer) -> assertEquals(
                    scaling.get(module).asDouble(), layer.scaling(), 1e-6, module));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "gpt2", "llama3-dora", "gpt2-dora"})
    void gradientsOfEveryLoraMatrixMatchPyTorchAndTheBaseGetsNone(String name) throws Exception {
        int[] ids = Fixtures.ints(Fixtures.goldenJson(name).get("input_ids"));
        Map<String, float[]> golden = Fixtures.goldenTensors(name);
        try (LoadedModel loaded = Fixtures.load(name, ops)) {
            TunedModel tuned = Fixtures.tuner().load(loaded.model(), Fixtures.adapter(name), ops);
            try (TensorScope scope = ops.scope()) {
                Fixtures.loss(loaded.model(), ops, ids).backward();
            }
            int perModule = name.endsWith("-dora") ? 3 : 2; // A, B (and the magnitude)
            assertEquals(perModule * ((LoraModel) tuned).adapters().size(),
                    tuned.trainableParameters().size());
            assertEquals(perModule * ((LoraModel) tuned).adapters().size(),
                    golden.keySet().stream().filter(k -> k.startsWith("grad.")).count());
            for (Map.Entry<String, Tensor> e : tuned.trainableParameters().entrySet()) {
                assertTrue(e.getValue().requiresGrad(), e.getKey());
                assertClose(name + " gradient of " + e.getKey(),
                        e.getValue().grad().orElseThrow().toFloatArray(),
                        golden.get("grad." + e.getKey()));
            }
            for (Map.Entry<String, Tensor> e : loaded.model().parameters().entrySet()) {
                assertFalse(e.getValue().requiresGrad(), e.getKey() + " is frozen");
                assertTrue(e.getValue().grad().isEmpty(), e.getKey() + " has no gradient");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "gpt2", "llama3-dora", "gpt2-dora"})
    void mergingFoldsTheAdaptersIntoTheBaseWeightsAndKeepsTheLogits(String name) throws Exception {
        int[] ids = Fixtures.ints(Fixtures.goldenJson(name).get("input_ids"));
        Map<String, float[]> golden = Fixtures.goldenTensors(name);
        try (LoadedModel loaded = Fixtures.load(name, ops)) {
            CausalLM model = loaded.model();
            LoraModel tuned = (LoraModel) Fixtures.tuner().load(model, Fixtures.adapter(name), ops);
            float[] unmerged = Fixtures.logits(model, ops, ids);
            tuned.merge();
            for (String module : tuned.adapters().keySet()) {
                LinearLayer layer = model.linearLayers().get(module);
                assertFalse(layer instanceof LoraLinear, module + " is a plain layer again");
                assertClose(name + " merged " + module, layer.weight().toFloatArray(),
                        golden.get("merged." + module + ".weight"));
                assertEquals(name.startsWith("gpt2"), layer.fanInFanOut());
            }
            float[] merged = Fixtures.logits(model, ops, ids);
            assertClose(name + " merged logits against unmerged", merged, unmerged);
            assertClose(name + " merged logits against PyTorch", merged, golden.get("logits"));
            tuned.merge(); // once only
            assertArrayEquals(merged, Fixtures.logits(model, ops, ids));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "gpt2", "llama3-dora", "gpt2-dora"})
    void aSavedAdapterLoadsBackIntoAFreshModel(String name) throws Exception {
        int[] ids = Fixtures.ints(Fixtures.goldenJson(name).get("input_ids"));
        Path saved = dir.resolve("checkpoint-1");
        try (LoadedModel loaded = Fixtures.load(name, ops)) {
            TunedModel tuned = Fixtures.tuner().load(loaded.model(), Fixtures.adapter(name), ops);
            Fixtures.save(tuned, saved);
        }
        assertEquals(Fixtures.readJson(Fixtures.adapter(name).resolve("adapter_config.json")),
                Fixtures.readJson(saved.resolve("adapter_config.json")),
                "a loaded adapter saves its own config again");
        if (!name.equals("gpt2")) {
            // F32 both ways: the same bytes as PEFT's layout written by the Python script
            assertArrayEquals(
                    Files.readAllBytes(Fixtures.adapter(name).resolve("adapter_model.safetensors")),
                    Files.readAllBytes(saved.resolve("adapter_model.safetensors")));
        }
        try (LoadedModel fresh = Fixtures.load(name, ops)) {
            Fixtures.tuner().load(fresh.model(), saved, ops);
            assertClose(name + " reloaded", Fixtures.logits(fresh.model(), ops, ids),
                    Fixtures.goldenTensors(name).get("logits"));
            assertInstanceOf(LoraLinear.class, fresh.model().linearLayers().values().stream()
                    .filter(l -> l instanceof LoraLinear).findFirst().orElseThrow());
        }
    }

    private static void assertClose(String what, float[] got, float[] want) {
        double worst = closeness(got, want, TOLERANCE, TOLERANCE);
        assertTrue(worst <= 1, what + ": off by " + worst + " × (1e-4 + 1e-4 |want|)");
    }
}
