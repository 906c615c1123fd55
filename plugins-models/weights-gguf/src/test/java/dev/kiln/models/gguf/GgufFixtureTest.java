package dev.kiln.models.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.tensor.DType;
import dev.kiln.api.weights.TensorInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The real llama-2-tiny-random.gguf (see src/test/resources/fixtures/README.md). */
class GgufFixtureTest {

    static Path fixture() throws Exception {
        return Path.of(GgufFixtureTest.class.getResource("/fixtures/llama-2-tiny-random.gguf")
                .toURI());
    }

    @Test
    void readsTheHeader() throws Exception {
        GgufFormat format = new GgufFormat();
        assertTrue(format.canOpen(fixture()));
        try (GgufSource source = format.open(fixture())) {
            assertEquals(3, source.version());
            Map<String, Object> metadata = source.metadata();
            assertEquals(18, metadata.size());
            assertEquals("llama", metadata.get("general.architecture"));
            assertEquals("llama", metadata.get("tokenizer.ggml.model"));
            assertEquals(1L, metadata.get("general.file_type")); // MOSTLY_F16
            assertEquals(8L, metadata.get("llama.embedding_length"));
            List<?> tokens = (List<?>) metadata.get("tokenizer.ggml.tokens");
            assertEquals(32000, tokens.size());
            assertEquals(List.of("<unk>", "<s>", "</s>"), tokens.subList(0, 3));
            assertEquals(32000, ((List<?>) metadata.get("tokenizer.ggml.scores")).size());
            assertEquals(Float.class, ((List<?>) metadata.get("tokenizer.ggml.scores")).get(0)
                    .getClass());
            assertEquals(2, ((List<?>) metadata.get("tokenizer.ggml.token_type")).get(0));
        }
    }

    @Test
    void tensorsHaveRowMajorShapesUnderHuggingFaceNames() throws Exception {
        try (GgufSource source = new GgufFormat().open(fixture())) {
            Map<String, TensorInfo> tensors = source.tensors();
            assertEquals(12, tensors.size());
            // GGUF stores [8, 32000] (innermost first): 32000 rows of 8.
            assertShape(tensors, "model.embed_tokens.weight", DType.F16, 32000, 8);
            assertShape(tensors, "lm_head.weight", DType.F16, 32000, 8);
            assertShape(tensors, "model.layers.0.self_attn.q_proj.weight", DType.F16, 8, 8);
            assertShape(tensors, "model.layers.0.mlp.gate_proj.weight", DType.F16, 32, 8);
            assertShape(tensors, "model.layers.0.mlp.down_proj.weight", DType.F16, 8, 32);
            assertShape(tensors, "model.layers.0.input_layernorm.weight", DType.F32, 8);
            assertShape(tensors, "model.norm.weight", DType.F32, 8);
            assertEquals(32000 * 8 * 2, source.data("model.embed_tokens.weight").byteSize());
            // The file's own names stay reachable inside the bundle.
            assertShape(source.ggufTensors(), "token_embd.weight", DType.F16, 32000, 8);
            assertEquals(12, source.ggufTensors().size());
            assertEquals(-1, source.ggufData("token_embd.weight")
                    .mismatch(source.data("model.embed_tokens.weight")));
        }
    }

    @Test
    void f16DataConvertsToFiniteFloats() throws Exception {
        try (GgufSource source = new GgufFormat().open(fixture())) {
            for (TensorInfo info : source.tensors().values()) {
                float[] values = source.dequantize(info.name());
                assertEquals(info.shape().numel(), values.length, info.name());
                boolean nonZero = false;
                for (float v : values) {
                    assertTrue(Float.isFinite(v), info.name());
                    nonZero |= v != 0;
                }
                assertTrue(nonZero, info.name() + " is all zeros");
            }
        }
    }

    private static void assertShape(Map<String, TensorInfo> tensors, String name, DType dtype,
            int... dims) {
        TensorInfo info = tensors.get(name);
        assertEquals(dtype, info.dtype(), name);
        assertEquals(dtype.name(), info.storage(), name);
        assertArrayEquals(dims, info.shape().toArray(), name);
    }

    static int[] ints(com.fasterxml.jackson.databind.JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
