package dev.kiln.models.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.core.model.LoadedModel;
import dev.kiln.core.model.TorchDtype;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What ModelLoader says about checkpoints it cannot load, and what it loads with a warning. */
class LoaderErrorsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private final TensorOps ops = Fixtures.ops();

    @Test
    void anUnknownArchitectureNamesItAndTheInstalledFamilies() throws IOException {
        Path dir = copy("llama3", c -> {
            c.putArray("architectures").add("FalconForCausalLM");
            c.put("model_type", "falcon");
        });
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> load(dir));
        assertContains(e.getMessage(), "config.json", "FalconForCausalLM", "falcon", "llama",
                "LlamaForCausalLM", "Qwen3ForCausalLM", "qwen2");
    }

    @Test
    void aMissingTensorIsNamedWithTheCheckpoint() throws IOException {
        // Qwen3 needs q_norm and k_norm, which a Qwen2 checkpoint does not have
        Path dir = copy("qwen2-sharded", c -> {
            c.putArray("architectures").add("Qwen3ForCausalLM");
            c.put("model_type", "qwen3");
        });
        IOException e = assertThrows(IOException.class, () -> load(dir));
        assertContains(e.getMessage(), dir.toString(), "'model.layers.0.self_attn.q_norm.weight'",
                "Qwen3ForCausalLM", "[16]");
    }

    @Test
    void aTensorOfAnotherShapeIsNamedWithBothShapes() throws IOException {
        Path dir = copy("llama3", c -> c.put("intermediate_size", 95));
        IOException e = assertThrows(IOException.class, () -> load(dir));
        assertContains(e.getMessage(), dir.toString(), "'model.layers.0.mlp.gate_proj.weight'",
                "[96, 64]", "[95, 64]");
    }

    @Test
    void aTruncatedFileIsNamed() throws IOException {
        Path dir = copy("llama3", c -> { });
        try (RandomAccessFile file = new RandomAccessFile(dir.resolve("model.safetensors").toFile(), "rw")) {
            file.setLength(file.length() - 100);
        }
        IOException e = assertThrows(IOException.class, () -> load(dir));
        assertContains(e.getMessage(), "model.safetensors");
    }

    @Test
    void aConfigWithoutARequiredKeyNamesTheFileAndTheKey() throws IOException {
        Path dir = copy("qwen3", c -> c.remove("hidden_size"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> load(dir));
        assertContains(e.getMessage(), dir.resolve("config.json").toString(), "missing 'hidden_size'");
    }

    @Test
    void anUnsupportedSettingIsNamed() throws IOException {
        Path yarn = copy("llama3", c -> ((ObjectNode) c.get("rope_scaling")).put("rope_type", "yarn"));
        assertContains(assertThrows(IllegalArgumentException.class, () -> load(yarn)).getMessage(),
                "config.json", "rope_scaling", "yarn");
        Path gelu = temp.resolve("gelu");
        Files.createDirectories(gelu);
        copyInto("qwen3", gelu, c -> c.put("hidden_act", "gelu"));
        assertContains(assertThrows(IllegalArgumentException.class, () -> load(gelu)).getMessage(),
                "hidden_act", "gelu");
    }

    @Test
    void aDirectoryWithoutConfigOrWeightsSaysWhatIsMissing() throws IOException {
        Path noConfig = temp.resolve("no-config");
        Files.createDirectories(noConfig);
        Files.copy(Fixtures.checkpoint("llama3").resolve("model.safetensors"),
                noConfig.resolve("model.safetensors"));
        assertContains(assertThrows(IOException.class, () -> load(noConfig)).getMessage(),
                "no config.json", "safetensors");
        Path empty = temp.resolve("empty");
        Files.createDirectories(empty);
        assertContains(assertThrows(IOException.class, () -> load(empty)).getMessage(),
                empty.toString(), "no installed weight format", "safetensors", "gguf");
    }

    @Test
    void unusedTensorsAreWarnedAboutAndATiedHeadNeedsNoTensor() throws IOException {
        try (LoadedModel loaded = load(Fixtures.checkpoint("qwen2-sharded"))) {
            assertEquals(1, loaded.warnings().size(), loaded.warnings().toString());
            assertContains(loaded.warnings().getFirst(), "model.layers.0.self_attn.rotary_emb.inv_freq");
            assertTrue(!loaded.model().parameters().containsKey("lm_head.weight"));
            assertTrue(loaded.model().linearLayers().get("lm_head").weight()
                    == loaded.model().parameters().get("model.embed_tokens.weight"));
            assertEquals("llama", loaded.family());
            assertEquals("safetensors", loaded.format());
        }
    }

    @Test
    void aSingleFileLoadsWithTheConfigBesideIt() throws IOException {
        try (LoadedModel loaded = load(Fixtures.checkpoint("qwen3").resolve("model.safetensors"))) {
            assertEquals(List.of(), loaded.warnings());
            assertTrue(loaded.summary().parameters() > 100_000, loaded.summary().toString());
        }
    }

    @Test
    void torchDtypeNamesAreParsedAsMsSwiftWritesThem() {
        assertEquals(TorchDtype.BFLOAT16, TorchDtype.parse("bfloat16"));
        assertEquals(TorchDtype.FLOAT16, TorchDtype.parse("fp16"));
        assertEquals(TorchDtype.FLOAT32, TorchDtype.parse("float32"));
        assertEquals(TorchDtype.AUTO, TorchDtype.parse("auto"));
        assertContains(assertThrows(IllegalArgumentException.class, () -> TorchDtype.parse("int8"))
                .getMessage(), "int8", "float32, bfloat16, float16");
    }

    // ---- helpers --------------------------------------------------------------------------

    private LoadedModel load(Path location) throws IOException {
        return Fixtures.LOADER.load(location, ops, TorchDtype.AUTO);
    }

    /** A copy of a golden checkpoint with its config.json edited. */
    private Path copy(String name, Consumer<ObjectNode> edit) throws IOException {
        Path dir = temp.resolve(name);
        Files.createDirectories(dir);
        copyInto(name, dir, edit);
        return dir;
    }

    private void copyInto(String name, Path dir, Consumer<ObjectNode> edit) throws IOException {
        try (Stream<Path> files = Files.list(Fixtures.checkpoint(name))) {
            for (Path file : files.toList()) {
                Files.copy(file, dir.resolve(file.getFileName()));
            }
        }
        rewriteConfig(dir, edit);
    }

    private static void rewriteConfig(Path dir, Consumer<ObjectNode> edit) throws IOException {
        Path config = dir.resolve("config.json");
        ObjectNode json = (ObjectNode) JSON.readTree(config.toFile());
        edit.accept(json);
        JSON.writeValue(config.toFile(), json);
    }

    private static void assertContains(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), "'" + part + "' is not in: " + message);
        }
    }
}
