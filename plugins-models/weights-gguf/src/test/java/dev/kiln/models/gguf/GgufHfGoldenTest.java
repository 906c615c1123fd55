package dev.kiln.models.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.api.tensor.DType;
import dev.kiln.api.weights.TensorInfo;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fixture against what transformers makes of it: the config, names, shapes and values that
 * src/test/python/gguf_hf_golden.py computed with torch (golden/llama-2-tiny-random.hf.json).
 */
class GgufHfGoldenTest {

    private static JsonNode golden;

    @BeforeAll
    static void readGolden() throws Exception {
        golden = new ObjectMapper().readTree(
                GgufGoldenTest.golden("llama-2-tiny-random.hf.json").toFile());
    }

    @Test
    void configIsTransformersTranslation() throws Exception {
        try (GgufSource source = new GgufFormat().open(GgufFixtureTest.fixture())) {
            Map<String, Object> config = source.modelConfig().orElseThrow();
            Set<String> fromTransformers = new HashSet<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = golden.get("config").fields();
                    it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                fromTransformers.add(e.getKey());
                Object actual = config.get(e.getKey());
                JsonNode expected = e.getValue();
                if (expected.isNumber()) {
                    assertEquals(expected.asDouble(), ((Number) actual).doubleValue(), e.getKey());
                } else if (expected.isBoolean()) {
                    assertEquals(expected.asBoolean(), actual, e.getKey());
                } else {
                    assertEquals(expected.asText(), actual, e.getKey());
                }
            }
            // What Kiln adds, from the file's tensors.
            assertEquals(List.of("LlamaForCausalLM"), config.get("architectures"));
            assertEquals("float16", config.get("torch_dtype"));
            assertEquals(false, config.get("attention_bias"));
            Set<String> extra = new HashSet<>(config.keySet());
            extra.removeAll(fromTransformers);
            assertEquals(Set.of("architectures", "torch_dtype", "attention_bias"), extra);
        }
    }

    @Test
    void tensorsHaveTransformersNamesShapesAndValues() throws Exception {
        JsonNode expected = golden.get("tensors");
        try (GgufSource source = new GgufFormat().open(GgufFixtureTest.fixture());
                Arena arena = Arena.ofConfined()) {
            Set<String> names = new HashSet<>();
            expected.fieldNames().forEachRemaining(names::add);
            assertEquals(names, source.tensors().keySet());
            for (String name : names) {
                JsonNode g = expected.get(name);
                TensorInfo info = source.tensors().get(name);
                assertArrayEquals(GgufFixtureTest.ints(g.get("shape")), info.shape().toArray(),
                        name);
                assertEquals(DType.valueOf(g.get("dtype").asText()), info.dtype(), name);
                double[] values = doubles(source.values(name, arena), info.dtype());
                assertEquals(g.get("first").asDouble(), values[0], name);
                assertEquals(g.get("last").asDouble(), values[values.length - 1], name);
                double sum = 0;
                double weighted = 0;
                for (int i = 0; i < values.length; i++) {
                    sum += values[i];
                    weighted += values[i] * (i % 7 + 1);
                }
                assertEquals(g.get("sum").asDouble(), sum, 1e-9, name);
                assertEquals(g.get("weighted_sum").asDouble(), weighted, 1e-9, name);
                if (g.has("values")) {
                    for (int i = 0; i < values.length; i++) {
                        assertEquals(g.get("values").get(i).asDouble(), values[i], name + "[" + i + "]");
                    }
                }
            }
        }
    }

    @Test
    void qAndKRowsAreMovedOthersAreTheFile() throws Exception {
        try (GgufSource source = new GgufFormat().open(GgufFixtureTest.fixture());
                Arena arena = Arena.ofConfined()) {
            String q = "model.layers.0.self_attn.q_proj.weight";
            MemorySegment file = source.ggufData("blk.0.attn_q.weight");
            MemorySegment values = source.values(q, arena);
            assertNotEquals(-1, file.mismatch(values), "q_proj must be unpermuted");
            assertEquals(-1, values.mismatch(source.data(q)), "data() is laid out as values()");
            MemorySegment back = arena.allocate(values.byteSize());
            RopePermutation.permute(values, back, 8, 2);
            assertEquals(-1, file.mismatch(back), "permute(unpermute(w)) == w");
            String v = "model.layers.0.self_attn.v_proj.weight";
            assertEquals(file.byteSize(), source.data(v).byteSize());
            assertEquals(-1, source.ggufData("blk.0.attn_v.weight").mismatch(source.values(v, arena)));
        }
    }

    @Test
    void permutationIsLlamaCpps() {
        JsonNode p = golden.get("permutation");
        float[] hf = floats(p.get("hf"));
        float[] gguf = floats(p.get("gguf"));
        int heads = p.get("heads").asInt();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment hfSegment = arena.allocateFrom(ValueLayout.JAVA_FLOAT, hf);
            MemorySegment out = arena.allocate(hfSegment.byteSize());
            RopePermutation.permute(hfSegment, out, hf.length / 3, heads);
            assertArrayEquals(gguf, out.toArray(ValueLayout.JAVA_FLOAT));
            MemorySegment back = arena.allocate(hfSegment.byteSize());
            RopePermutation.unpermute(out, back, hf.length / 3, heads);
            assertArrayEquals(hf, back.toArray(ValueLayout.JAVA_FLOAT));
        }
    }

    @Test
    void llama3RopeScalingIsRecoveredFromTheDivisors() {
        for (JsonNode r : golden.get("rope_freqs")) {
            Map<String, Object> scaling = Llama3RopeScaling.fit(floats(r.get("divisors")),
                    r.get("theta").asDouble(), r.get("head_dim").asInt(), "test").orElseThrow();
            assertEquals("llama3", scaling.get("rope_type"));
            for (String key : List.of("factor", "low_freq_factor", "high_freq_factor",
                    "original_max_position_embeddings")) {
                assertEquals(r.get(key).asDouble(), ((Number) scaling.get(key)).doubleValue(),
                        key);
            }
        }
        float[] ones = new float[64];
        java.util.Arrays.fill(ones, 1);
        assertTrue(Llama3RopeScaling.fit(ones, 5e5, 128, "test").isEmpty());
        float[] notLlama3 = floats(golden.get("rope_freqs").get(0).get("divisors"));
        notLlama3[30] *= 1.01f;
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> Llama3RopeScaling.fit(notLlama3, 5e5, 128, "x.gguf: rope_freqs.weight"));
        assertTrue(e.getMessage().startsWith("x.gguf: rope_freqs.weight: frequency factor ")
                && e.getMessage().endsWith("not Llama-3 scaling"), e.getMessage());
    }

    static double[] doubles(MemorySegment values, DType dtype) {
        float[] f = new float[(int) (values.byteSize() / dtype.byteSize())];
        switch (dtype) {
            case F16 -> GgmlDequantize.f16(values, f);
            case BF16 -> GgmlDequantize.bf16(values, f);
            default -> GgmlDequantize.f32(values, f);
        }
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) array.get(i).asDouble();
        }
        return out;
    }
}
