package dev.kiln.models.gpt2;

import static dev.kiln.models.gpt2.Gpt2ModelTest.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.model.CausalLM;
import dev.kiln.api.model.KvCache;
import dev.kiln.api.model.ModelConfig;
import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.GradMode;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tensor.TensorScope;
import dev.kiln.core.model.ModelLoader;
import dev.kiln.hal.cpu.CpuDevice;
import dev.kiln.models.safetensors.SafetensorsFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Configurations, checkpoints and forward inputs the family refuses, each with a clear error. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@SuppressWarnings("try") // scopes and no-grad modes are opened for their effect on the body
class Gpt2BadInputTest {

    private final CpuDevice device = TinyGpt2.cpu();
    private final TensorOps ops = TinyGpt2.ops(device);
    private final Gpt2Family family = new Gpt2Family();
    private final CausalLM model = family.create(config(), ops, 1);

    @AfterAll
    void close() {
        model.parameters().values().forEach(Tensor::close);
        device.close();
    }

    // ---- config.json ----------------------------------------------------------------------

    @Test
    void unsupportedOrInconsistentConfigurationsNameTheFileAndKey() {
        refused(config("activation_function", "quick_gelu"), "'activation_function' quick_gelu",
                "gelu_new");
        refused(config("add_cross_attention", true), "'add_cross_attention'", "not supported");
        refused(config("n_embd", 16, "n_head", 3), "'n_embd' 16 is not a multiple of 'n_head' 3");
        refused(config("n_layer", 0), "'n_layer' must be positive");
        refused(config("n_inner", -4), "'n_inner' must be positive");
        refused(config("n_positions", 2.5), "'n_positions' must be an integer");
        refused(config("resid_pdrop", 1.0), "'resid_pdrop' must be in [0, 1)");
        refused(config("layer_norm_epsilon", 0), "'layer_norm_epsilon' must be positive");
        refused(config("torch_dtype", "int8"), "'torch_dtype' is 'int8'");
        refused(config("scale_attn_weights", "yes"), "'scale_attn_weights' must be true or false");
    }

    /** Keys that are absent take GPT2Config's defaults, as transformers reads config.json. */
    @Test
    void absentKeysTakeTheDefaultsOfGpt2Config() {
        Gpt2Config c = Gpt2Config.from(new ModelConfig(Map.of("n_embd", 32, "n_head", 4),
                "test/config.json"));
        assertEquals(50257, c.vocabSize());
        assertEquals(1024, c.positions());
        assertEquals(12, c.layers());
        assertEquals(128, c.innerSize());
        assertEquals(Activation.GELU_NEW, c.activation());
        assertEquals(1e-5f, c.layerNormEps());
        assertEquals(0.1f, c.residualDropout());
        assertTrue(c.tiedLmHead());
        assertEquals((float) (1 / Math.sqrt(8)), c.attentionScale(3));
        assertEquals(DType.F32, c.weightDtype());
        Gpt2Config unscaled = Gpt2Config.from(new ModelConfig(Map.of("n_embd", 32, "n_head", 4,
                "scale_attn_weights", false, "scale_attn_by_inverse_layer_idx", true), "test/config.json"));
        assertEquals(1f / 3, unscaled.attentionScale(2));
    }

    // ---- checkpoints ----------------------------------------------------------------------

    /** A Linear-layout ([out, in]) c_attn weight: same bytes, other shape. */
    @Test
    void aCheckpointTensorOfAnotherShapeIsNamed(@TempDir Path dir) throws IOException {
        Path checkpoint = copyWithHeaderEdit(dir, "\"transformer.h.1.attn.c_attn.weight\":{\"dtype\":\"F32\",\"shape\":[64,192]",
                "\"transformer.h.1.attn.c_attn.weight\":{\"dtype\":\"F32\",\"shape\":[192,64]");
        IOException e = assertThrows(IOException.class, () -> load(checkpoint));
        assertContains(e.getMessage(), "'transformer.h.1.attn.c_attn.weight' is [192, 64]",
                "needs [64, 192]");
    }

    @Test
    void aMissingCheckpointTensorIsNamed(@TempDir Path dir) throws IOException {
        Path checkpoint = copyWithHeaderEdit(dir, "\"transformer.ln_f.bias\"", "\"transformer.ln_f.bia_\"");
        IOException e = assertThrows(IOException.class, () -> load(checkpoint));
        assertContains(e.getMessage(), "no tensor 'transformer.ln_f.bias'");
    }

    // ---- forward ----------------------------------------------------------------------------

    @Test
    void forwardInputsOutsideTheModelAreRefusedBeforeAnyOpRuns() {
        try (TensorScope scope = ops.scope(); GradMode off = ops.noGrad()) {
            Tensor ids = ids(1, 2, 3);
            Tensor positions = ids(0, 1, 2);
            forwardRefused(() -> model.forward(ids(1, 50, 3), positions, null),
                    "token id 50 at [0, 1] is outside 0..49 (vocab_size 50)");
            forwardRefused(() -> model.forward(ids, ids(0, 1, 16), null),
                    "position 16 at [0, 2] is outside 0..15 (n_positions 16)");
            forwardRefused(() -> model.forward(ids, ops.tensor(new int[] {0, 1}, Shape.of(1, 2)), null),
                    "positions must be I32 [1, 3]");
            forwardRefused(() -> model.forward(ops.tensor(new float[] {1, 2, 3}, Shape.of(1, 3)),
                    positions, null), "input ids must be I32 [batch, seq], not F32");
            forwardRefused(() -> model.forward(ops.tensor(new int[] {1, 2, 3}, Shape.of(3)),
                    ops.tensor(new int[] {0, 1, 2}, Shape.of(3)), null), "input ids must be I32 [batch, seq]");
            forwardRefused(() -> model.forward(ids, positions, ids(1, 1), null),
                    "attention mask must be I32 [batch, cache length + seq] = [1, 3], not I32 [1, 2]");
            forwardRefused(() -> model.forward(ids, positions, ids(0, -2, 1), null),
                    "attention mask holds -2 at [0, 1]; it must be 0 (padding) or a segment id > 0");
        }
    }

    @Test
    void cachesThatDoNotFitAreRefused() {
        CausalLM other = family.create(config(), ops, 2);
        try (TensorScope scope = ops.scope(); GradMode off = ops.noGrad();
                KvCache small = model.newCache(1, 4); KvCache pair = model.newCache(2, 8);
                KvCache foreign = other.newCache(1, 8)) {
            model.forward(ids(1, 2, 3), ids(0, 1, 2), small);
            forwardRefused(() -> model.forward(ids(4, 5), ids(3, 4), small),
                    "the KV cache holds 3 of 4 tokens; 2 more do not fit");
            forwardRefused(() -> model.forward(ids(1, 2), ids(0, 1), pair),
                    "the KV cache holds 2 sequences, the input 1");
            forwardRefused(() -> model.forward(ids(1, 2), ids(0, 1), foreign),
                    "the KV cache was not made by this model's newCache");
            forwardRefused(() -> model.newCache(1, 17), "longer than the 16 positions of wpe");
            assertEquals(3, small.length(), "refused forwards leave the cache as it was");
        } finally {
            other.parameters().values().forEach(Tensor::close);
        }
    }

    @Test
    void wrappingAnUnknownLayerOrChangingItsFeaturesIsRefused() {
        forwardRefused(() -> model.wrapLinear("transformer.h.0.attn.q_proj", l -> l),
                "no linear layer 'transformer.h.0.attn.q_proj'");
        forwardRefused(() -> model.wrapLinear("transformer.h.0.mlp.c_fc",
                l -> model.linearLayers().get("transformer.h.0.attn.c_proj")),
                "maps 16 to 16 features; the layer maps 16 to 64");
    }

    private void refused(ModelConfig config, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> family.create(config, ops, 0));
        assertContains(e.getMessage(), "test/config.json");
        assertContains(e.getMessage(), fragments);
    }

    private static void forwardRefused(Executable call, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertContains(e.getMessage(), fragment);
    }

    private Tensor ids(int... values) {
        return ops.tensor(values, Shape.of(1, values.length));
    }

    private void load(Path checkpoint) throws IOException {
        new ModelLoader(List.of(family), List.of(new SafetensorsFormat())).load(checkpoint, ops).close();
    }

    /** tiny-gpt2 copied into {@code dir}, one string of its safetensors header replaced. */
    private static Path copyWithHeaderEdit(Path dir, String from, String to) throws IOException {
        assertEquals(from.length(), to.length(), "the header keeps its length");
        Path source = TinyGpt2.resource("tiny-gpt2");
        Files.copy(source.resolve("config.json"), dir.resolve("config.json"));
        byte[] bytes = Files.readAllBytes(source.resolve("model.safetensors"));
        String latin1 = new String(bytes, StandardCharsets.ISO_8859_1);
        assertTrue(latin1.contains(from), from);
        Files.write(dir.resolve("model.safetensors"),
                latin1.replace(from, to).getBytes(StandardCharsets.ISO_8859_1));
        return dir;
    }

    private static void assertContains(String message, String... fragments) {
        for (String fragment : fragments) {
            assertTrue(message.contains(fragment), "'" + fragment + "' not in: " + message);
        }
    }
}
