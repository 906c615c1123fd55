package dev.kiln.models.llama;

import static dev.kiln.models.llama.Fixtures.closeness;
import static dev.kiln.models.llama.Fixtures.floats;
import static dev.kiln.models.llama.Fixtures.ints;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.api.model.CausalLM;
import dev.kiln.api.model.KvCache;
import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.GradMode;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.core.model.LoadedModel;
import dev.kiln.core.model.TorchDtype;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The four golden checkpoints loaded through ModelLoader and the safetensors format, on the CPU
 * backend, against PyTorch (float64 of the stored weights): logits, next-token log-probs, a
 * left-padded batch, and incremental decoding with the KV cache against the full forward.
 */
class LlamaGoldenTest {

    private static final double ATOL = 1e-4;
    private static final double RTOL = 1e-4;
    /** What rounding weights or cached keys and values to bf16 (8 bits of mantissa) may move a logit. */
    private static final double BF16_ATOL = 5e-2;
    private static final double BF16_RTOL = 5e-2;

    private final TensorOps ops = Fixtures.ops();

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "mistral-bf16", "qwen2-sharded", "qwen3"})
    void logitsAndLogProbsMatchPyTorch(String name) {
        JsonNode golden = Fixtures.golden(name);
        int vocab = golden.get("vocab_size").asInt();
        try (LoadedModel loaded = Fixtures.load(name, ops, TorchDtype.AUTO);
                GradMode off = ops.noGrad()) {
            for (JsonNode sequence : golden.get("sequences")) {
                int[] ids = ints(sequence.get("input_ids"));
                float[] logits = logitsOf(loaded.model(), ids);
                assertClose(name + " logits of " + Arrays.toString(ids), logits,
                        floats(sequence.get("logits")));
                assertClose(name + " next-token log-probs", nextTokenLogProbs(logits, ids, vocab),
                        floats(sequence.get("next_token_logprobs")));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "mistral-bf16", "qwen2-sharded", "qwen3"})
    void leftPaddedBatchRowsEqualTheSequencesAlone(String name) {
        JsonNode golden = Fixtures.golden(name);
        JsonNode batch = golden.get("padded_batch");
        int vocab = golden.get("vocab_size").asInt();
        try (LoadedModel loaded = Fixtures.load(name, ops, TorchDtype.AUTO);
                GradMode off = ops.noGrad()) {
            Tensor ids = Fixtures.ids(ops, batch.get("input_ids"));
            float[] logits = loaded.model().forward(ids, Fixtures.ids(ops, batch.get("position_ids")),
                    Fixtures.ids(ops, batch.get("attention_mask")), null).toFloatArray();
            float[] want = floats(batch.get("logits"));
            int seq = ids.shape().dim(1);
            for (int row = 0; row < 2; row++) {
                int[] sequence = ints(golden.get("sequences").get(row).get("input_ids"));
                int pad = seq - sequence.length;
                float[] got = rows(logits, row * seq + pad, sequence.length, vocab);
                assertClose(name + " padded row " + row, got,
                        rows(want, row * seq + pad, sequence.length, vocab));
                assertClose(name + " padded row " + row + " against the sequence alone", got,
                        logitsOf(loaded.model(), sequence));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "mistral-bf16", "qwen2-sharded", "qwen3"})
    void incrementalDecodingWithTheCacheGivesTheFullForwardsLogits(String name) {
        JsonNode golden = Fixtures.golden(name);
        int vocab = golden.get("vocab_size").asInt();
        int[] ids = ints(golden.get("sequences").get(1).get("input_ids"));
        try (LoadedModel loaded = Fixtures.load(name, ops, TorchDtype.AUTO)) {
            CausalLM model = loaded.model();
            float[] withoutCache;
            try (GradMode off = ops.noGrad()) {
                withoutCache = logitsOf(model, ids);
            }
            float[] full = withoutCache;
            if (loaded.summary().dtype() == DType.BF16) {
                // BF16 weights keep their keys and values in a BF16 cache, as transformers does:
                // every step below reads them rounded, as one forward through such a cache does.
                try (KvCache cache = model.newCache(1, ids.length)) {
                    full = model.forward(ops.tensor(ids, Shape.of(1, ids.length)),
                            Fixtures.positions(ops, 0, ids.length), cache).toFloatArray();
                }
                double worst = closeness(full, withoutCache, BF16_ATOL, BF16_RTOL);
                assertTrue(worst <= 1, name + ": a bf16 cache moved the logits by " + worst + " × its tolerance");
            }
            // not under noGrad: a forward with a cache is inference by itself
            try (KvCache cache = model.newCache(1, ids.length + 2)) {
                int prefill = 3;
                float[] first = model.forward(ops.tensor(Arrays.copyOf(ids, prefill), Shape.of(1, prefill)),
                        Fixtures.positions(ops, 0, prefill), cache).toFloatArray();
                assertClose(name + " prefill", first, rows(full, 0, prefill, vocab));
                for (int t = prefill; t < ids.length; t++) {
                    assertEquals(t, cache.length());
                    Tensor step = model.forwardLast(ops.tensor(new int[] {ids[t]}, Shape.of(1, 1)),
                            Fixtures.positions(ops, t, 1), null, cache);
                    assertEquals(Shape.of(1, vocab), step.shape());
                    assertClose(name + " decoding step " + t, step.toFloatArray(), rows(full, t, 1, vocab));
                }
                assertEquals(ids.length, cache.length());
                cache.clear();
                assertEquals(0, cache.length());
                float[] again = model.forward(ops.tensor(ids, Shape.of(1, ids.length)),
                        Fixtures.positions(ops, 0, ids.length), cache).toFloatArray();
                assertClose(name + " after clear", again, full);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "qwen2-sharded"})
    void aLeftPaddedBatchDecodesWithTheCache(String name) {
        JsonNode golden = Fixtures.golden(name);
        JsonNode batch = golden.get("padded_batch");
        int vocab = golden.get("vocab_size").asInt();
        try (LoadedModel loaded = Fixtures.load(name, ops, TorchDtype.AUTO)) {
            CausalLM model = loaded.model();
            int[][] ids = {ints(batch.get("input_ids").get(0)), ints(batch.get("input_ids").get(1))};
            int[][] mask = {ints(batch.get("attention_mask").get(0)), ints(batch.get("attention_mask").get(1))};
            int[][] positions = {ints(batch.get("position_ids").get(0)), ints(batch.get("position_ids").get(1))};
            int seq = ids[0].length;
            int prompt = seq - 2;
            try (KvCache cache = model.newCache(2, seq)) {
                model.forwardLast(matrix(ids, 0, prompt), matrix(positions, 0, prompt),
                        matrix(mask, 0, prompt), cache);
                for (int t = prompt; t < seq; t++) {
                    float[] step = model.forwardLast(matrix(ids, t, 1), matrix(positions, t, 1),
                            matrix(mask, 0, t + 1), cache).toFloatArray();
                    float[] want = floats(batch.get("logits"));
                    for (int row = 0; row < 2; row++) {
                        assertClose(name + " row " + row + " step " + t, rows(step, row, 1, vocab),
                                rows(want, row * seq + t, 1, vocab));
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mistral-bf16"})
    void aBf16CheckpointStaysBf16AndMatchesAsFloat32(String name) {
        JsonNode golden = Fixtures.golden(name);
        int[] ids = ints(golden.get("sequences").get(1).get("input_ids"));
        float[] want = floats(golden.get("sequences").get(1).get("logits"));
        try (LoadedModel half = Fixtures.load(name, ops, TorchDtype.AUTO);
                LoadedModel full = Fixtures.load(name, ops, TorchDtype.FLOAT32);
                GradMode off = ops.noGrad()) {
            assertEquals(DType.BF16, half.summary().dtype(), half.summary().toString());
            assertEquals(DType.BF16, half.model().linearLayers().get("model.layers.1.mlp.down_proj").weight().dtype());
            assertEquals(DType.F32, half.model().parameters().get("model.norm.weight").dtype());
            assertEquals("bfloat16", half.config().string("torch_dtype").orElseThrow());
            assertEquals(DType.F32, full.summary().dtype());
            assertEquals(full.summary().parameters(), half.summary().parameters());
            assertTrue(half.summary().bytes() < 0.6 * full.summary().bytes(), half.summary() + " vs " + full.summary());
            assertClose(name + " bf16 weights", logitsOf(half.model(), ids), want);
            assertClose(name + " as float32", logitsOf(full.model(), ids), want);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3"})
    void aFloat32CheckpointLoadsAsBfloat16OnRequest(String name) {
        JsonNode golden = Fixtures.golden(name);
        int[] ids = ints(golden.get("sequences").get(0).get("input_ids"));
        float[] want = floats(golden.get("sequences").get(0).get("logits"));
        try (LoadedModel half = Fixtures.load(name, ops, TorchDtype.BFLOAT16);
                GradMode off = ops.noGrad()) {
            assertEquals(DType.BF16, half.summary().dtype());
            assertEquals(DType.BF16, half.model().parameters().get("model.embed_tokens.weight").dtype());
            float[] got = logitsOf(half.model(), ids);
            // bf16 keeps 8 bits of mantissa: the logits move by about 1e-2, not more
            double worst = closeness(got, want, BF16_ATOL, BF16_RTOL);
            assertTrue(worst <= 1, "bf16 logits too far from the f32 golden: " + worst);
            assertTrue(closeness(got, want, ATOL, RTOL) > 1, "bf16 rounding left no trace: not converted?");
        }
    }

    // ---- helpers --------------------------------------------------------------------------

    private float[] logitsOf(CausalLM model, int[] ids) {
        return model.forward(ops.tensor(ids, Shape.of(1, ids.length)),
                Fixtures.positions(ops, 0, ids.length), null).toFloatArray();
    }

    private Tensor matrix(int[][] rows, int from, int length) {
        int[] values = new int[rows.length * length];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], from, values, r * length, length);
        }
        return ops.tensor(values, Shape.of(rows.length, length));
    }

    /** Rows {@code [from, from + count)} of a {@code [rows, vocab]} matrix. */
    private static float[] rows(float[] values, int from, int count, int vocab) {
        return Arrays.copyOfRange(values, from * vocab, (from + count) * vocab);
    }

    /** log_softmax(logits[t])[ids[t + 1]] for each t but the last, in double. */
    private static float[] nextTokenLogProbs(float[] logits, int[] ids, int vocab) {
        float[] out = new float[ids.length - 1];
        for (int t = 0; t + 1 < ids.length; t++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < vocab; v++) {
                max = Math.max(max, logits[t * vocab + v]);
            }
            double sum = 0;
            for (int v = 0; v < vocab; v++) {
                sum += Math.exp(logits[t * vocab + v] - max);
            }
            out[t] = (float) (logits[t * vocab + ids[t + 1]] - max - Math.log(sum));
        }
        return out;
    }

    private static void assertClose(String what, float[] got, float[] want) {
        double worst = closeness(got, want, ATOL, RTOL);
        assertTrue(worst <= 1, what + ": off by " + worst + " × (atol + rtol·|want|)");
    }
}
