package dev.kiln.tuners.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.weights.TensorInfo;
import dev.kiln.api.weights.WeightSource;
import dev.kiln.core.model.LoadedModel;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Adapter directories that are not what they should be, and PEFT's variants that are fine. */
class AdapterFilesTest {

    private final TensorOps ops = Fixtures.ops();

    @TempDir
    Path dir;

    @Test
    void tensorNamesWithTheAdapterNameLoadToo() throws Exception {
        assertRenamedAdapterGivesTheGoldenLogits("llama3", name -> name.replace(".weight", ".default.weight"));
    }

    /** A live PeftModel's state dict names DoRA's magnitude lora_magnitude_vector.default.weight. */
    @Test
    void doraTensorNamesWithTheAdapterNameLoadToo() throws Exception {
        assertRenamedAdapterGivesTheGoldenLogits("llama3-dora", name -> name.endsWith("lora_magnitude_vector")
                ? name + ".default.weight" : name.replace(".weight", ".default.weight"));
    }

    /** The fixture adapter {@code golden}, its tensors renamed, on the llama3 model gives the golden logits. */
    private void assertRenamedAdapterGivesTheGoldenLogits(String golden, UnaryOperator<String> rename)
            throws Exception {
        Path adapter = copyOfAdapter(golden);
        rewriteTensors(adapter, rename);
        int[] ids = Fixtures.ints(Fixtures.goldenJson(golden).get("input_ids"));
        try (LoadedModel loaded = Fixtures.load("llama3", ops)) {
            Fixtures.tuner().load(loaded.model(), adapter, ops);
            assertTrue(Fixtures.closeness(Fixtures.logits(loaded.model(), ops, ids),
                    Fixtures.goldenTensors(golden).get("logits"), 1e-4, 1e-4) <= 1);
        }
    }

    @Test
    void doraTensorsMustAgreeWithUseDora() throws Exception {
        Path plain = copyOfAdapter("llama3");
        Path config = plain.resolve("adapter_config.json");
        Files.writeString(config, Files.readString(config)
                .replace("\"use_dora\": false", "\"use_dora\": true"));
        assertLoadFails(IOException.class, plain, "' has no lora_magnitude_vector, but"
                + " adapter_config.json's use_dora is true");
        Path dora = copyOfAdapter("llama3-dora");
        config = dora.resolve("adapter_config.json");
        Files.writeString(config, Files.readString(config)
                .replace("\"use_dora\": true", "\"use_dora\": false"));
        assertLoadFails(IOException.class, dora, "has a lora_magnitude_vector, but"
                + " adapter_config.json's use_dora is false");
        Path alone = copyOfAdapter("llama3-dora");
        rewriteTensors(alone, name -> name.contains("layers.1.mlp.down_proj.lora_")
                && !name.endsWith("magnitude_vector") ? null : name);
        assertLoadFails(IOException.class, alone, "'model.layers.1.mlp.down_proj' has a"
                + " lora_magnitude_vector but no lora_A and lora_B");
        Path wrong = copyOfAdapter("llama3-dora");
        rewriteTensors(wrong, name -> name.contains("layers.0.self_attn.q_proj.lora_magnitude")
                ? "base_model.model.model.layers.0.self_attn.v_proj.lora_magnitude_vector.default"
                : name);
        assertLoadFails(IOException.class, wrong, "are the same tensor");
    }

    @Test
    void aDirectoryWithoutAdapterConfigIsNotAnAdapter() {
        assertLoadFails(IOException.class, dir, "no adapter_config.json: not a PEFT adapter");
    }

    @Test
    void pickledWeightsAreNotRead() throws Exception {
        Path adapter = copyOfLlamaAdapter();
        Files.move(adapter.resolve("adapter_model.safetensors"), adapter.resolve("adapter_model.bin"));
        assertLoadFails(IOException.class, adapter, "has adapter_model.bin (a PyTorch pickle)");
    }

    @Test
    void malformedOrForeignConfigsAreRefusedNamingTheFileAndKey() throws Exception {
        Path adapter = copyOfLlamaAdapter();
        Path config = adapter.resolve("adapter_config.json");
        String original = Files.readString(config);
        Files.writeString(config, "{\"peft_type\": \"LORA\",");
        assertLoadFails(IOException.class, adapter, config + ": not valid JSON");
        Files.writeString(config, original.replace("\"LORA\"", "\"PREFIX_TUNING\""));
        assertLoadFails(IOException.class, adapter, config + ": peft_type is 'PREFIX_TUNING', not LORA");
        Files.writeString(config, original.replace("\"lora_alpha\": 8", "\"lora_alpha\": \"8\""));
        assertLoadFails(IOException.class, adapter, config + ": lora_alpha must be a number");
        Files.writeString(config, original.replace("\"r\": 4", "\"r\": 8"));
        assertLoadFails(IOException.class, adapter, "not of the adapter's rank 8");
    }

    @Test
    void anAdapterForAnotherModelNamesTheModuleThisOneLacks() {
        try (LoadedModel llama = Fixtures.load("llama3", ops)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Fixtures.tuner().load(llama.model(), Fixtures.adapter("gpt2"), ops));
            assertTrue(e.getMessage().contains("'transformer.h.0.attn.c_attn', which this model lacks"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("down_proj, gate_proj, k_proj, lm_head"), e.getMessage());
            assertTrue(llama.model().parameters().values().stream().allMatch(Tensor::requiresGrad),
                    "the model is left as it was");
            assertTrue(llama.model().linearLayers().values().stream()
                    .noneMatch(l -> l instanceof LoraLinear));
        }
    }

    @Test
    void tensorsThatAreNotLoraMatricesOrComeAloneAreNamed() throws Exception {
        Path adapter = copyOfLlamaAdapter();
        rewriteTensors(adapter, name -> name.contains("layers.0.self_attn.q_proj.lora_B")
                ? "base_model.model.model.layers.0.self_attn.q_proj.lora_B.bias" : name);
        assertLoadFails(IOException.class, adapter,
                "tensor 'base_model.model.model.layers.0.self_attn.q_proj.lora_B.bias' is not a LoRA tensor");
        Path alone = copyOfLlamaAdapter();
        rewriteTensors(alone, name -> name.contains("layers.1.mlp.down_proj.lora_A") ? null : name);
        assertLoadFails(IOException.class, alone,
                "'model.layers.1.mlp.down_proj' has lora_B but no lora_A");
    }

    private void assertLoadFails(Class<? extends Exception> type, Path adapter, String message) {
        try (LoadedModel llama = Fixtures.load("llama3", ops)) {
            Exception e = assertThrows(type, () -> Fixtures.tuner().load(llama.model(), adapter, ops));
            assertTrue(e.getMessage().contains(message), e.getMessage());
        }
    }

    private Path copyOfLlamaAdapter() throws IOException {
        return copyOfAdapter("llama3");
    }

    private Path copyOfAdapter(String name) throws IOException {
        Path copy = Files.createTempDirectory(dir, "adapter");
        for (String file : new String[] {"adapter_config.json", "adapter_model.safetensors"}) {
            Files.copy(Fixtures.adapter(name).resolve(file), copy.resolve(file),
                    StandardCopyOption.REPLACE_EXISTING);
        }
        return copy;
    }

    /** Rewrites adapter_model.safetensors with renamed tensors (null drops one). */
    private void rewriteTensors(Path adapter, UnaryOperator<String> rename) throws IOException {
        Path file = adapter.resolve("adapter_model.safetensors");
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (WeightSource source = Fixtures.SAFETENSORS.open(file)) {
            for (TensorInfo info : source.tensors().values()) {
                String name = rename.apply(info.name());
                if (name != null) {
                    tensors.put(name, ops.tensor(source.data(info.name())
                            .toArray(ValueLayout.JAVA_FLOAT), info.shape()));
                }
            }
        }
        Fixtures.SAFETENSORS.write(file, tensors, Map.of("format", "pt"));
        assertEquals(tensors.size(), tensors.keySet().stream().distinct().count());
    }
}
