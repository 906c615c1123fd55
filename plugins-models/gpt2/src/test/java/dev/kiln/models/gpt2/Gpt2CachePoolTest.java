package dev.kiln.models.gpt2;

import static dev.kiln.models.gpt2.TinyGpt2.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.api.model.CausalLM;
import dev.kiln.api.model.KvCachePool;
import dev.kiln.api.tensor.GradMode;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.core.model.LoadedModel;
import dev.kiln.hal.cpu.CpuDevice;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * GPT-2's KV-cache pool for continuous batching against PyTorch's logits (goldens of
 * make_goldens.py): sequences at different lengths decode in one batch, each in its own slot,
 * and every row gets its sequence's logits; a copied slot continues as the original; the last
 * hidden state is what the LM head reads.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@SuppressWarnings("try") // no-grad modes are opened for their effect on the body
class Gpt2CachePoolTest {

    private final CpuDevice device = TinyGpt2.cpu();
    private final TensorOps ops = TinyGpt2.ops(device);
    private final LoadedModel loaded = TinyGpt2.load("tiny-gpt2", ops);
    private final CausalLM model = loaded.model();
    private final TinyGpt2.Goldens goldens = new TinyGpt2.Goldens();
    private final JsonNode info = TinyGpt2.info();
    private final int vocab = 301;

    @AfterAll
    void close() throws Exception {
        goldens.close();
        loaded.close();
        device.close();
    }

    @Test
    void slotsAtDifferentLengthsDecodeInOneBatch() {
        int[][] ids = {sequence(0), sequence(2)};
        float[][] want = {goldens.get("logits.0"), goldens.get("logits.2")};
        try (KvCachePool pool = model.newCachePool(2, 16)) {
            int[] filled = {2, 7};
            for (int slot = 0; slot < 2; slot++) {
                float[] last = prefill(pool, slot, Arrays.copyOf(ids[slot], filled[slot]));
                assertClose(want[slot], (filled[slot] - 1) * vocab, last, 0, vocab, "prefill " + slot);
            }
            for (int step = 0; step < 5; step++) {
                int[] next = {ids[0][filled[0]], ids[1][filled[1]]};
                float[] logits = model.forwardLast(ops.tensor(next, Shape.of(2, 1)),
                        ops.tensor(filled.clone(), Shape.of(2, 1)), null, pool.rows(0, 2))
                        .toFloatArray();
                for (int slot = 0; slot < 2; slot++) {
                    assertClose(want[slot], filled[slot] * vocab, logits, slot * vocab, vocab,
                            "slot " + slot + " at position " + filled[slot]);
                    filled[slot]++;
                }
            }
            assertEquals(7, pool.length(0));
            assertEquals(12, pool.length(1));
        }
    }

    @Test
    void aCopiedSlotContinuesAsTheOriginal() {
        int[] ids = sequence(2);
        float[] want = goldens.get("logits.2");
        try (KvCachePool pool = model.newCachePool(3, 16)) {
            prefill(pool, 2, Arrays.copyOf(sequence(0), 10)); // left over: must not leak
            prefill(pool, 0, Arrays.copyOf(ids, 4));
            pool.copy(0, 2);
            prefill(pool, 1, Arrays.copyOf(sequence(1), 2));
            float[] logits = model.forwardLast(ops.tensor(new int[] {sequence(1)[2], ids[4]}, Shape.of(2, 1)),
                    ops.tensor(new int[] {2, 4}, Shape.of(2, 1)), null, pool.rows(1, 2)).toFloatArray();
            assertClose(want, 4 * vocab, logits, vocab, vocab, "copied slot");
            assertClose(goldens.get("logits.1"), 2 * vocab, logits, 0, vocab, "its neighbour");
        }
    }

    @Test
    void theLastHiddenStateIsWhatTheLmHeadReads() {
        int[] ids = sequence(1);
        try (GradMode off = ops.noGrad()) {
            Tensor hidden = model.hiddenStates(TinyGpt2.row(ops, ids),
                    TinyGpt2.row(ops, TinyGpt2.range(0, ids.length)), null);
            assertEquals(Shape.of(1, ids.length, 64), hidden.shape());
            float[] logits = model.linearLayers().get("lm_head").forward(hidden).toFloatArray();
            assertClose(goldens.get("logits.1"), logits, "lm_head(hidden states)");
        }
    }

    @Test
    void wrongUsesAreRefusedByName() {
        assertMessage(() -> model.newCachePool(2, 65), "longer than the 64 positions of wpe");
        try (KvCachePool pool = model.newCachePool(2, 4)) {
            assertMessage(() -> pool.rows(0, 3), "rows [0, 0 + 3) are outside its 2 slots");
            assertMessage(() -> model.forwardLast(TinyGpt2.row(ops, new int[] {1}),
                    TinyGpt2.row(ops, new int[] {0}), TinyGpt2.row(ops, new int[] {1}), pool.rows(0, 1)),
                    "take no attention mask");
            assertMessage(() -> model.forwardLast(TinyGpt2.row(ops, new int[5]),
                    TinyGpt2.row(ops, new int[5]), null, pool.rows(1, 1)),
                    "slot 1 holds 0 of 4 tokens; 5 more do not fit");
        }
    }

    private float[] prefill(KvCachePool pool, int slot, int[] ids) {
        return model.forwardLast(TinyGpt2.row(ops, ids), TinyGpt2.row(ops, TinyGpt2.range(0, ids.length)),
                null, pool.rows(slot, 1)).toFloatArray();
    }

    private int[] sequence(int i) {
        return TinyGpt2.ints(info.get("sequences").get(i));
    }

    private static void assertMessage(Runnable call, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
