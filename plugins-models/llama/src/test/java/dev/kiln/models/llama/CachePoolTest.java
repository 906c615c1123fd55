package dev.kiln.models.llama;

import static dev.kiln.models.llama.Fixtures.closeness;
import static dev.kiln.models.llama.Fixtures.floats;
import static dev.kiln.models.llama.Fixtures.ints;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.api.model.CausalLM;
import dev.kiln.api.model.KvCache;
import dev.kiln.api.model.KvCachePool;
import dev.kiln.api.tensor.GradMode;
import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.core.model.LoadedModel;
import dev.kiln.core.model.TorchDtype;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The KV-cache pool of continuous batching against PyTorch's logits (the goldens of
 * make_goldens.py): sequences at different lengths decode in one batch, each in its own slot,
 * and every row gets the logits its sequence has alone; a copied slot continues as the
 * original; and the last hidden state is what the LM head reads.
 */
class CachePoolTest {

    private static final double TOLERANCE = 1e-4;
    /**
     * A model with BF16 weights keeps a BF16 cache: its logits move from the golden's by bf16
     * rounding (LlamaGoldenTest checks that cache's decoding against one forward through it).
     */
    private static final double BF16_TOLERANCE = 5e-2;

    private final TensorOps ops = Fixtures.ops();

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "mistral-bf16", "qwen2-sharded", "qwen3"})
    void slotsAtDifferentLengthsDecodeInOneBatch(String name) {
        JsonNode golden = Fixtures.golden(name);
        int vocab = golden.get("vocab_size").asInt();
        int[][] ids = {ints(golden.get("sequences").get(0).get("input_ids")),
                ints(golden.get("sequences").get(1).get("input_ids"))};
        float[][] want = {floats(golden.get("sequences").get(0).get("logits")),
                floats(golden.get("sequences").get(1).get("logits"))};
        try (LoadedModel loaded = Fixtures.load(name, ops, TorchDtype.AUTO);
                KvCachePool pool = loaded.model().newCachePool(3, 12)) {
            CausalLM model = loaded.model();
            double tolerance = tolerance(loaded);
            // slot 0 holds the first 2 tokens of sequence 0, slot 1 the first 5 of sequence 1
            int[] filled = {2, 5};
            for (int slot = 0; slot < 2; slot++) {
                float[] last = prefill(model, pool, slot, Arrays.copyOf(ids[slot], filled[slot]));
                assertClose(name + " prefill of slot " + slot, last,
                        row(want[slot], filled[slot] - 1, vocab), tolerance);
            }
            assertEquals(2, pool.length(0));
            assertEquals(5, pool.length(1));
            for (int step = 0; step < 4; step++) {
                int[] next = {ids[0][filled[0]], ids[1][filled[1]]};
                float[] logits = model.forwardLast(ops.tensor(next, Shape.of(2, 1)),
                        ops.tensor(filled.clone(), Shape.of(2, 1)), null, pool.rows(0, 2))
                        .toFloatArray();
                for (int slot = 0; slot < 2; slot++) {
                    assertClose(name + " slot " + slot + " at position " + filled[slot],
                            row(logits, slot, vocab), row(want[slot], filled[slot], vocab), tolerance);
                    filled[slot]++;
                }
            }
            assertEquals(6, pool.length(0));
            assertEquals(9, pool.length(1));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "mistral-bf16"})
    void aCopiedSlotContinuesAsTheOriginalAndAClearedSlotForgetsWhatItHeld(String name) {
        JsonNode golden = Fixtures.golden(name);
        int vocab = golden.get("vocab_size").asInt();
        int[] ids = ints(golden.get("sequences").get(1).get("input_ids"));
        int[] other = ints(golden.get("sequences").get(0).get("input_ids"));
        float[] want = floats(golden.get("sequences").get(1).get("logits"));
        try (LoadedModel loaded = Fixtures.load(name, ops, TorchDtype.AUTO);
                KvCachePool pool = loaded.model().newCachePool(3, 12)) {
            CausalLM model = loaded.model();
            double tolerance = tolerance(loaded);
            // slot 2 first holds a longer, unrelated sequence: what is left of it must not leak
            prefill(model, pool, 2, Arrays.copyOf(other, 6));
            prefill(model, pool, 0, Arrays.copyOf(ids, 4));
            pool.copy(0, 2);
            assertEquals(4, pool.length(2));
            // slot 1 holds one token, so rows 1 and 2 differ in length and need the per-row mask
            prefill(model, pool, 1, Arrays.copyOf(other, 1));
            float[] logits = model.forwardLast(ops.tensor(new int[] {other[1], ids[4]}, Shape.of(2, 1)),
                    ops.tensor(new int[] {1, 4}, Shape.of(2, 1)), null, pool.rows(1, 2)).toFloatArray();
            assertClose(name + " copied slot", row(logits, 1, vocab), row(want, 4, vocab), tolerance);

            pool.clear(2);
            assertEquals(0, pool.length(2));
            float[] again = prefill(model, pool, 2, Arrays.copyOf(ids, 3));
            assertClose(name + " cleared slot", again, row(want, 2, vocab), tolerance);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "qwen3"})
    void theLastHiddenStateIsWhatTheLmHeadReads(String name) {
        JsonNode golden = Fixtures.golden(name);
        JsonNode sequence = golden.get("sequences").get(1);
        int[] ids = ints(sequence.get("input_ids"));
        try (LoadedModel loaded = Fixtures.load(name, ops, TorchDtype.AUTO);
                GradMode off = ops.noGrad()) {
            CausalLM model = loaded.model();
            Tensor hidden = model.hiddenStates(ops.tensor(ids, Shape.of(1, ids.length)),
                    Fixtures.positions(ops, 0, ids.length), null);
            int hiddenSize = loaded.config().requireInteger("hidden_size");
            assertEquals(Shape.of(1, ids.length, hiddenSize), hidden.shape());
            float[] logits = model.linearLayers().get("lm_head").forward(hidden).toFloatArray();
            assertClose(name + " lm_head(hidden states)", logits, floats(sequence.get("logits")));
        }
    }

    @Test
    void wrongUsesAreRefusedByName() {
        try (LoadedModel loaded = Fixtures.load("llama3", ops, TorchDtype.AUTO);
                LoadedModel other = Fixtures.load("llama3", ops, TorchDtype.AUTO);
                KvCachePool pool = loaded.model().newCachePool(2, 4);
                KvCachePool foreign = other.model().newCachePool(1, 4)) {
            CausalLM model = loaded.model();
            assertEquals(2 * 2 * (2L * 4 * 2 * 16) * Float.BYTES, pool.bytes(),
                    "2 layers × keys and values × [2 slots, 4 tokens, 2 kv heads, 16]");
            assertMessage(() -> pool.rows(1, 2), "rows [1, 1 + 2) are outside its 2 slots");
            assertMessage(() -> pool.length(2), "slot 2 is outside 0..1");
            assertMessage(() -> model.forwardLast(ops.tensor(new int[] {1}, Shape.of(1, 1)),
                    ops.tensor(new int[] {0}, Shape.of(1, 1)), ops.tensor(new int[] {1}, Shape.of(1, 1)),
                    pool.rows(0, 1)), "take no attention mask");
            assertMessage(() -> model.forwardLast(ops.tensor(new int[5], Shape.of(1, 5)),
                    ops.tensor(new int[5], Shape.of(1, 5)), null, pool.rows(0, 1)),
                    "slot 0 holds 0 of 4 tokens; 5 more do not fit");
            assertMessage(() -> model.forwardLast(ops.tensor(new int[] {1}, Shape.of(1, 1)),
                    ops.tensor(new int[] {0}, Shape.of(1, 1)), null, foreign.rows(0, 1)),
                    "not made by this model's newCache or newCachePool");
            assertEquals(0, pool.length(0), "refused forwards leave the slots as they were");
        }
    }

    // ---- helpers --------------------------------------------------------------------------

    /** Prefills {@code ids} into an empty slot; the logits of its last position. */
    private float[] prefill(CausalLM model, KvCachePool pool, int slot, int[] ids) {
        KvCache rows = pool.rows(slot, 1);
        assertEquals(0, rows.length(), "slot " + slot + " is empty before its prefill");
        return model.forwardLast(ops.tensor(ids, Shape.of(1, ids.length)),
                Fixtures.positions(ops, 0, ids.length), null, rows).toFloatArray();
    }

    private static float[] row(float[] values, int row, int vocab) {
        return Arrays.copyOfRange(values, row * vocab, (row + 1) * vocab);
    }

    private static void assertClose(String what, float[] got, float[] want) {
        assertClose(what, got, want, TOLERANCE);
    }

    /** {@code tolerance} serves as both atol and rtol. */
    private static void assertClose(String what, float[] got, float[] want, double tolerance) {
        double worst = closeness(got, want, tolerance, tolerance);
        assertTrue(worst <= 1, what + ": off by " + worst + " × (atol + rtol·|want|)");
    }

    private static double tolerance(LoadedModel loaded) {
        return loaded.summary().dtype() == DType.BF16 ? BF16_TOLERANCE : TOLERANCE;
    }

    private static void assertMessage(Runnable call, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
