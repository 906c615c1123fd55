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
    void tensorsHaveRowMajorShapes() throws Exception {
        try (GgufSource source = new GgufFormat().open(fixture())) {
            Map<String, TensorInfo> tensors = source.tensors();
            assertEquals(12, tensors.size());
            // GGUF stores [8, 32000] (innermost first): 32000 rows of 8.
            assertShape(tensors, "token_embd.weight", DType.F16, 32000, 8);
            assertShape(tensors, "output.weight", DType.F16, 32000, 8);
            assertShape(tensors, "blk.0.attn_q.weight", DType.F16, 8, 8);
            assertShape(tensors, "blk.0.ffn_gate.weight", DType.F16, 32, 8);
            assertShape(tensors, "blk.0.ffn_down.weight", DType.F16, 8, 32);
            assertShape(tensors, "blk.0.attn_norm.weight", DType.F32, 8);
            assertShape(tensors, "output_norm.weight", DType.F32, 8);
            assertEquals(32000 * 8 * 2, source.data("token_embd.weight").byteSize());
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
}
