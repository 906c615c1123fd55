package dev.kiln.models.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.tensor.DType;
import dev.kiln.api.weights.TensorInfo;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GGUF files written here for each supported architecture: names, layouts (llama's Q/K rows,
 * quantized too; GPT-2's transposed Conv1D weights), the translated config, and bad input.
 */
class GgufArchitecturesTest {

    private static final int F32 = 0;
    private static final int F16 = 1;
    private static final int Q8_0 = 8;
    private static final int Q4_K = 12;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    @TempDir
    Path dir;

    private final GgufFormat format = new GgufFormat();

    /** A llama-style model with a 3-token vocabulary, without tensors. */
    private static GgufWriter model(String arch, int hidden, int heads, int kvHeads) {
        return withoutTokens(arch, hidden, heads, kvHeads).kv("tokenizer.ggml.tokens",
                GgufValues.ARRAY, new GgufWriter.Array(GgufValues.STRING, List.of("a", "b", "c")));
    }

    /** A llama-style model; {@code kvHeads} 0 leaves head_count_kv out. */
    private static GgufWriter withoutTokens(String arch, int hidden, int heads, int kvHeads) {
        String p = arch + ".";
        GgufWriter w = new GgufWriter().kv("general.architecture", GgufValues.STRING, arch)
                .kv(p + "context_length", GgufValues.UINT32, 64L)
                .kv(p + "embedding_length", GgufValues.UINT32, (long) hidden)
                .kv(p + "block_count", GgufValues.UINT32, 1L)
                .kv(p + "feed_forward_length", GgufValues.UINT32, 64L)
                .kv(p + "attention.head_count", GgufValues.UINT32, (long) heads)
                .kv(p + "attention.layer_norm_rms_epsilon", GgufValues.FLOAT32, 1e-6f)
                .kv(p + "rope.freq_base", GgufValues.FLOAT32, 1e6f);
        return kvHeads == 0 ? w : w.kv(p + "attention.head_count_kv", GgufValues.UINT32, (long) kvHeads);
    }

    @Test
    void llamaQAndKRowsAreUnpermutedPlainAndQuantized() throws Exception {
        int hidden = 32;
        float[] q = distinct(hidden * hidden, 1);
        float[] k = distinct(16 * hidden, 2);
        Path file = withoutTokens("llama", hidden, 4, 2)
                .tensor("token_embd.weight", F16, new long[] {hidden, 10}, new byte[10 * hidden * 2])
                .tensor("blk.0.attn_q.weight", Q8_0, new long[] {hidden, hidden},
                        GgmlQuantize.q8_0(llamaCppPermute(q, hidden, 4)))
                .tensor("blk.0.attn_k.weight", F32, new long[] {hidden, 16},
                        bytes(llamaCppPermute(k, hidden, 2)))
                .write(dir.resolve("llama.gguf"));
        try (GgufSource source = format.open(file); Arena arena = Arena.ofConfined()) {
            String qName = "model.layers.0.self_attn.q_proj.weight";
            String kName = "model.layers.0.self_attn.k_proj.weight";
            TensorInfo qInfo = source.tensors().get(qName);
            assertEquals("Q8_0", qInfo.storage());
            assertEquals(DType.F32, qInfo.dtype());
            // Quantization works row by row, so quantizing the permuted rows and moving the rows
            // back gives the quantization of the original rows.
            byte[] hfBlocks = GgmlQuantize.q8_0(q);
            assertArrayEquals(hfBlocks, source.data(qName).toArray(ValueLayout.JAVA_BYTE));
            MemorySegment expected = arena.allocate(q.length * 4L);
            GgmlDequantize.q8_0(MemorySegment.ofArray(hfBlocks), expected);
            assertEquals(-1, expected.mismatch(source.values(qName, arena)));
            assertArrayEquals(k, source.values(kName, arena).toArray(
                    ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE)));
            assertArrayEquals(new int[] {16, hidden}, source.tensors().get(kName).shape().toArray());

            Map<String, Object> config = source.modelConfig().orElseThrow();
            assertEquals(List.of("LlamaForCausalLM"), config.get("architectures"));
            assertEquals(4, config.get("num_attention_heads"));
            assertEquals(2, config.get("num_key_value_heads"));
            assertEquals(8, config.get("head_dim"));
            assertEquals(1e6, config.get("rope_theta"));
            assertEquals((double) 1e-6f, config.get("rms_norm_eps"));
            assertEquals(64, config.get("max_position_embeddings"));
            assertEquals(10, config.get("vocab_size"), "the embedding's rows without a token list");
            assertEquals(true, config.get("tie_word_embeddings"), "no output.weight");
            assertEquals("float16", config.get("torch_dtype"));
            assertFalse(config.containsKey("rope_scaling"));
        }
    }

    @Test
    void qwen2HasBiasesAndNoPermutation() throws Exception {
        float[] q = distinct(8 * 8, 3);
        float[] bias = distinct(8, 4);
        Path file = model("qwen2", 8, 2, 2)
                .tensor("blk.0.attn_q.weight", F32, new long[] {8, 8}, bytes(q))
                .tensor("blk.0.attn_q.bias", F32, new long[] {8}, bytes(bias))
                .tensor("output.weight", F32, new long[] {8, 3}, new byte[3 * 8 * 4])
                .write(dir.resolve("qwen2.gguf"));
        try (GgufSource source = format.open(file); Arena arena = Arena.ofConfined()) {
            assertEquals(List.of("model.layers.0.self_attn.q_proj.weight",
                    "model.layers.0.self_attn.q_proj.bias", "lm_head.weight"),
                    List.copyOf(source.tensors().keySet()));
            assertArrayEquals(q, floats(source.values("model.layers.0.self_attn.q_proj.weight", arena)));
            assertArrayEquals(bias, floats(source.values("model.layers.0.self_attn.q_proj.bias", arena)));
            Map<String, Object> config = source.modelConfig().orElseThrow();
            assertEquals("qwen2", config.get("model_type"));
            assertEquals(List.of("Qwen2ForCausalLM"), config.get("architectures"));
            assertEquals(true, config.get("attention_bias"));
            assertEquals(false, config.get("tie_word_embeddings"));
        }
    }

    @Test
    void llamaBiasesArePermutedLikeTheirWeights() throws Exception {
        float[] bias = distinct(8, 5);
        Path file = model("llama", 8, 2, 2)
                .tensor("blk.0.attn_q.bias", F32, new long[] {8}, bytes(llamaCppPermute(bias, 1, 2)))
                .write(dir.resolve("bias.gguf"));
        try (GgufSource source = format.open(file); Arena arena = Arena.ofConfined()) {
            assertArrayEquals(bias, floats(source.values("model.layers.0.self_attn.q_proj.bias", arena)));
        }
    }

    @Test
    void qwen3HasQkNormsAndItsOwnHeadDimension() throws Exception {
        Path file = model("qwen3", 32, 4, 2)
                .kv("qwen3.attention.key_length", GgufValues.UINT32, 16L)
                .kv("qwen3.rope.dimension_count", GgufValues.UINT32, 16L)
                .tensor("blk.0.attn_q_norm.weight", F32, new long[] {16}, new byte[64])
                .tensor("blk.0.attn_k_norm.weight", F32, new long[] {16}, new byte[64])
                .write(dir.resolve("qwen3.gguf"));
        try (GgufSource source = format.open(file)) {
            assertEquals(List.of("model.layers.0.self_attn.q_norm.weight",
                    "model.layers.0.self_attn.k_norm.weight"), List.copyOf(source.tensors().keySet()));
            Map<String, Object> config = source.modelConfig().orElseThrow();
            assertEquals(16, config.get("head_dim"));
            assertEquals(List.of("Qwen3ForCausalLM"), config.get("architectures"));
        }
    }

    @Test
    void gpt2Conv1DWeightsAreTransposed() throws Exception {
        int embd = 32;
        float[] qkv = distinct(3 * embd * embd, 6); // GGUF: 96 rows of 32
        float[] up = distinct(64 * embd, 7);
        Path file = new GgufWriter().kv("general.architecture", GgufValues.STRING, "gpt2")
                .kv("gpt2.context_length", GgufValues.UINT32, 1024L)
                .kv("gpt2.embedding_length", GgufValues.UINT32, (long) embd)
                .kv("gpt2.block_count", GgufValues.UINT32, 1L)
                .kv("gpt2.feed_forward_length", GgufValues.UINT32, 64L)
                .kv("gpt2.attention.head_count", GgufValues.UINT32, 4L)
                .kv("gpt2.attention.layer_norm_epsilon", GgufValues.FLOAT32, 1e-5f)
                .kv("tokenizer.ggml.tokens", GgufValues.ARRAY,
                        new GgufWriter.Array(GgufValues.STRING, List.of("a", "b")))
                .tensor("blk.0.attn_qkv.weight", F32, new long[] {embd, 3 * embd}, bytes(qkv))
                .tensor("blk.0.ffn_up.weight", Q8_0, new long[] {embd, 64}, GgmlQuantize.q8_0(up))
                .tensor("blk.0.attn_norm.weight", F32, new long[] {embd}, bytes(distinct(embd, 8)))
                .tensor("position_embd.weight", F32, new long[] {embd, 4}, new byte[4 * embd * 4])
                .write(dir.resolve("gpt2.gguf"));
        try (GgufSource source = format.open(file); Arena arena = Arena.ofConfined()) {
            TensorInfo attn = source.tensors().get("transformer.h.0.attn.c_attn.weight");
            assertArrayEquals(new int[] {embd, 3 * embd}, attn.shape().toArray());
            assertArrayEquals(transpose(qkv, 3 * embd, embd),
                    floats(source.values(attn.name(), arena)));
            TensorInfo fc = source.tensors().get("transformer.h.0.mlp.c_fc.weight");
            assertEquals("F32", fc.storage(), "transposing gives plain elements");
            assertArrayEquals(new int[] {embd, 64}, fc.shape().toArray());
            MemorySegment dequantized = arena.allocate(up.length * 4L);
            GgmlDequantize.q8_0(MemorySegment.ofArray(GgmlQuantize.q8_0(up)), dequantized);
            assertArrayEquals(transpose(floats(dequantized), 64, embd),
                    floats(source.data(fc.name())));
            assertArrayEquals(new int[] {embd},
                    source.tensors().get("transformer.h.0.ln_1.weight").shape().toArray());
            assertTrue(source.tensors().containsKey("transformer.wpe.weight"));
            Map<String, Object> config = source.modelConfig().orElseThrow();
            assertEquals(List.of("GPT2LMHeadModel"), config.get("architectures"));
            assertEquals(32, config.get("n_embd"));
            assertEquals(1024, config.get("n_positions"));
            assertEquals(64, config.get("n_inner"));
            assertEquals(4, config.get("n_head"));
            assertEquals((double) 1e-5f, config.get("layer_norm_epsilon"));
        }
    }

    @Test
    void ropeScalingKeys() throws Exception {
        Path linear = model("llama", 8, 2, 2)
                .kv("llama.rope.scaling.type", GgufValues.STRING, "linear")
                .kv("llama.rope.scaling.factor", GgufValues.FLOAT32, 2f)
                .write(dir.resolve("linear.gguf"));
        assertEquals(Map.of("rope_type", "linear", "factor", 2.0), config(linear).get("rope_scaling"));
        Path yarn = model("qwen2", 8, 2, 2)
                .kv("qwen2.rope.scaling.type", GgufValues.STRING, "yarn")
                .kv("qwen2.rope.scaling.factor", GgufValues.FLOAT32, 4f)
                .kv("qwen2.rope.scaling.original_context_length", GgufValues.UINT32, 32768L)
                .write(dir.resolve("yarn.gguf"));
        assertEquals(Map.of("rope_type", "yarn", "factor", 4.0, "original_max_position_embeddings",
                32768), config(yarn).get("rope_scaling"));
        Path old = model("llama", 8, 2, 2).kv("llama.rope.scale_linear", GgufValues.FLOAT32, 4f)
                .write(dir.resolve("old.gguf"));
        assertEquals(Map.of("rope_type", "linear", "factor", 4.0), config(old).get("rope_scaling"));
        Path other = model("llama", 8, 2, 2)
                .kv("llama.rope.scaling.type", GgufValues.STRING, "longrope")
                .kv("llama.rope.scaling.factor", GgufValues.FLOAT32, 4f)
                .write(dir.resolve("longrope.gguf"));
        fails(UnsupportedOperationException.class, other, "longrope.gguf",
                "'llama.rope.scaling.type' is 'longrope'");
    }

    @Test
    void missingKeysAreNamedWithTheFile() throws Exception {
        Path noLayers = new GgufWriter().kv("general.architecture", GgufValues.STRING, "llama")
                .kv("llama.embedding_length", GgufValues.UINT32, 8L)
                .kv("llama.attention.head_count", GgufValues.UINT32, 2L)
                .write(dir.resolve("nolayers.gguf"));
        fails(IllegalArgumentException.class, noLayers, "nolayers.gguf",
                "metadata key 'llama.feed_forward_length' is missing");
        Path noArch = new GgufWriter().write(dir.resolve("noarch.gguf"));
        fails(IllegalArgumentException.class, noArch, "noarch.gguf",
                "metadata key 'general.architecture' is missing");
        Path wrongType = model("llama", 8, 2, 0)
                .kv("llama.attention.head_count_kv", GgufValues.STRING, "two")
                .write(dir.resolve("wrongtype.gguf"));
        fails(IllegalArgumentException.class, wrongType, "wrongtype.gguf",
                "'llama.attention.head_count_kv' is String two, not an integer");
        Path partial = model("llama", 8, 2, 2).kv("llama.rope.dimension_count", GgufValues.UINT32, 2L)
                .write(dir.resolve("partial.gguf"));
        fails(UnsupportedOperationException.class, partial, "partial.gguf",
                "partial rotary embeddings are not supported");
    }

    @Test
    void unknownArchitectureKeepsGgufNamesAndRefusesAConfig() throws Exception {
        Path file = new GgufWriter().kv("general.architecture", GgufValues.STRING, "mamba")
                .tensor("token_embd.weight", F32, new long[] {4}, new byte[16])
                .write(dir.resolve("mamba.gguf"));
        try (GgufSource source = format.open(file)) {
            assertEquals(List.of("token_embd.weight"), List.copyOf(source.tensors().keySet()));
        }
        fails(UnsupportedOperationException.class, file, "mamba.gguf",
                "general.architecture 'mamba' is not supported (llama, qwen2, qwen3, gpt2 are)");
    }

    @Test
    void tensorsWithoutHfNamesAreKeptAndListedWhenANeededOneIsMissing() throws Exception {
        Path file = model("llama", 8, 2, 2)
                .tensor("blk.0.attn_qkv.weight", F32, new long[] {8, 24}, new byte[24 * 8 * 4])
                .tensor("rope_freqs.weight", F32, new long[] {2}, bytes(new float[] {1, 1}))
                .write(dir.resolve("fused.gguf"));
        try (GgufSource source = format.open(file); Arena arena = Arena.ofConfined()) {
            assertEquals(List.of("blk.0.attn_qkv.weight", "rope_freqs.weight"),
                    List.copyOf(source.tensors().keySet()));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> source.values("model.layers.0.self_attn.q_proj.weight", arena));
            assertTrue(e.getMessage().contains("no tensor 'model.layers.0.self_attn.q_proj.weight'")
                    && e.getMessage().contains("fused.gguf")
                    && e.getMessage().endsWith("without a Hugging Face name: blk.0.attn_qkv.weight, "
                            + "rope_freqs.weight"), e.getMessage());
            assertFalse(source.modelConfig().orElseThrow().containsKey("rope_scaling"),
                    "rope_freqs of ones is no scaling");
        }
    }

    @Test
    void valuesNameWhatTheyCannotDo() throws Exception {
        Path file = new GgufWriter().kv("general.architecture", GgufValues.STRING, "llama")
                .tensor("blk.0.attn_q.weight", F32, new long[] {4, 4}, new byte[64])
                .tensor("blk.0.ffn_up.weight", Q4_K, new long[] {256, 1}, new byte[144])
                .write(dir.resolve("bad.gguf"));
        try (GgufSource source = format.open(file); Arena arena = Arena.ofConfined()) {
            IOException noHeads = assertThrows(IOException.class,
                    () -> source.values("model.layers.0.self_attn.q_proj.weight", arena));
            assertTrue(noHeads.getMessage().contains("bad.gguf: tensor "
                    + "'model.layers.0.self_attn.q_proj.weight' (GGUF 'blk.0.attn_q.weight'): "
                    + "cannot undo llama.cpp's RoPE permutation")
                    && noHeads.getMessage().contains("'llama.attention.head_count' is missing"),
                    noHeads.getMessage());
            IOException k = assertThrows(IOException.class,
                    () -> source.values("model.layers.0.mlp.up_proj.weight", arena));
            assertTrue(k.getMessage().contains("is stored as Q4_K, which this bundle cannot "
                    + "dequantize"), k.getMessage());
            assertEquals(144, source.data("model.layers.0.mlp.up_proj.weight").byteSize());
        }
    }

    private Map<String, Object> config(Path file) throws IOException {
        try (GgufSource source = format.open(file)) {
            return source.modelConfig().orElseThrow();
        }
    }

    private void fails(Class<? extends RuntimeException> type, Path file, String... fragments)
            throws IOException {
        try (GgufSource source = format.open(file)) {
            RuntimeException e = assertThrows(type, source::modelConfig);
            for (String fragment : fragments) {
                assertTrue(e.getMessage().contains(fragment), e.getMessage());
            }
        }
    }

    /**
     * convert_hf_to_gguf's {@code LlamaModel.permute} of a [rows, cols] matrix, written out:
     * viewed as [heads, 2, rows / heads / 2, cols], axes 1 and 2 swapped.
     */
    static float[] llamaCppPermute(float[] w, int cols, int heads) {
        int rows = w.length / cols;
        int half = rows / heads / 2;
        float[] out = new float[w.length];
        for (int h = 0; h < heads; h++) {
            for (int k = 0; k < 2; k++) {
                for (int j = 0; j < half; j++) {
                    int from = (h * 2 * half + k * half + j) * cols;
                    int to = (h * 2 * half + j * 2 + k) * cols;
                    System.arraycopy(w, from, out, to, cols);
                }
            }
        }
        return out;
    }

    private static float[] transpose(float[] w, int rows, int cols) {
        float[] out = new float[w.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = w[r * cols + c];
            }
        }
        return out;
    }

    /** Distinct values, so that a misplaced element shows. */
    private static float[] distinct(int n, int seed) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = seed * 1000 + i * 0.25f - n / 8f;
        }
        return v;
    }

    private static byte[] bytes(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(LE);
        b.asFloatBuffer().put(v);
        return b.array();
    }

    private static float[] floats(MemorySegment s) {
        return s.toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE));
    }
}
