package dev.kiln.models.gpt2;

import static dev.kiln.models.gpt2.TinyGpt2.TOLERANCE;
import static dev.kiln.models.gpt2.TinyGpt2.assertClose;
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
import dev.kiln.api.tensor.TensorScope;
import dev.kiln.core.model.LoadedModel;
import dev.kiln.hal.cpu.CpuDevice;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The gpt2 family against PyTorch (src/test/python/make_goldens.py): the tiny checkpoint,
 * loaded by ModelLoader through the safetensors format, gives PyTorch's logits, log-probs and
 * gradients within 1e-4 on the CPU backend, and decoding with the KV cache, and left-padded
 * batches, give the logits of the full forward of each sequence alone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@SuppressWarnings("try") // scopes and no-grad modes are opened for their effect on the body
class Gpt2GoldenTest {

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
    void loadsEveryTensorOfTheCheckpointAsF32() {
        assertEquals("gpt2", loaded.family());
        assertEquals(List.of(), loaded.warnings());
        assertEquals(2 + 2 * 12 + 2, model.parameters().size());
        model.parameters().values().forEach(p -> assertEquals(DType.F32, p.dtype()));
    }

    @Test
    void logitsEqualPyTorchForEverySequence() {
        for (int i = 0; i < info.get("sequences").size(); i++) {
            int[] ids = sequence(i);
            try (TensorScope scope = ops.scope(); GradMode off = ops.noGrad()) {
                Tensor logits = model.forward(TinyGpt2.row(ops, ids),
                        TinyGpt2.row(ops, TinyGpt2.range(0, ids.length)), null);
                assertEquals(Shape.of(1, ids.length, vocab), logits.shape());
                assertClose(goldens.get("logits." + i), logits.toFloatArray(), "logits of sequence " + i);
            }
        }
    }

    /** log p(token t+1 | tokens 0..t), through the engine's fused cross-entropy of one row. */
    @Test
    void logProbsEqualPyTorch() {
        for (int i = 0; i < info.get("sequences").size(); i++) {
            int[] ids = sequence(i);
            float[] expected = goldens.get("logprobs." + i);
            float[] actual = new float[ids.length - 1];
            try (TensorScope scope = ops.scope(); GradMode off = ops.noGrad()) {
                Tensor logits = ops.reshape(model.forward(TinyGpt2.row(ops, ids),
                        TinyGpt2.row(ops, TinyGpt2.range(0, ids.length)), null),
                        Shape.of(ids.length, vocab));
                for (int t = 0; t < ids.length - 1; t++) {
                    Tensor target = ops.tensor(new int[] {ids[t + 1]}, Shape.of(1));
                    actual[t] = -ops.crossEntropy(ops.narrow(logits, 0, t, 1), target, -100).item();
                }
            }
            assertClose(expected, actual, "log-probs of sequence " + i);
        }
    }

    @Test
    void gradientsOfTheMeanCrossEntropyEqualPyTorch() {
        int[] ids = sequence(info.get("grad_sequence").asInt());
        int n = ids.length;
        try (TensorScope scope = ops.scope()) {
            Tensor logits = model.forward(TinyGpt2.row(ops, ids), TinyGpt2.row(ops, TinyGpt2.range(0, n)),
                    null);
            // GPT2LMHeadModel with labels = input_ids: logits row t predicts token t + 1
            Tensor loss = ops.crossEntropy(
                    ops.narrow(ops.reshape(logits, Shape.of(n, vocab)), 0, 0, n - 1),
                    ops.tensor(Arrays.copyOfRange(ids, 1, n), Shape.of(n - 1)), -100);
            loss.backward();
            assertEquals(info.get("loss").asDouble(), loss.item(), TOLERANCE);
        }
        try {
            for (Map.Entry<String, Tensor> p : model.parameters().entrySet()) {
                Tensor grad = p.getValue().grad().orElseThrow(() -> new AssertionError("no gradient: "
                        + p.getKey()));
                assertEquals(goldens.shape("grad." + p.getKey()), grad.shape(), p.getKey());
                assertClose(goldens.get("grad." + p.getKey()), grad.toFloatArray(), "d loss / d " + p.getKey());
            }
        } finally {
            model.parameters().values().forEach(Tensor::zeroGrad);
        }
    }

    @Test
    void leftPaddedBatchGivesPyTorchsLogitsAndEachSequenceAlonesLogits() {
        JsonNode padded = info.get("padded");
        int[] mask = TinyGpt2.flatInts(padded.get("attention_mask"));
        int batch = padded.get("input_ids").size();
        int width = padded.get("input_ids").get(0).size();
        float[] expected = goldens.get("padded.logits");
        try (TensorScope scope = ops.scope(); GradMode off = ops.noGrad()) {
            Shape shape = Shape.of(batch, width);
            float[] logits = model.forward(ops.tensor(TinyGpt2.flatInts(padded.get("input_ids")), shape),
                    ops.tensor(TinyGpt2.flatInts(padded.get("position_ids")), shape),
                    ops.tensor(mask, shape), null).toFloatArray();
            for (int b = 0; b < batch; b++) {
                int pad = width - Arrays.stream(mask, b * width, (b + 1) * width).sum();
                int length = width - pad;
                int at = (b * width + pad) * vocab;
                assertClose(expected, at, logits, at, length * vocab, "padded row " + b);
                // the same sequence alone, unpadded, at positions 0..length-1
                int[] alone = Arrays.copyOfRange(sequence(b), 0, length);
                float[] single = model.forward(TinyGpt2.row(ops, alone),
                        TinyGpt2.row(ops, TinyGpt2.range(0, length)), null).toFloatArray();
                assertClose(single, 0, logits, at, length * vocab, "padded row " + b + " against alone");
            }
        }
    }

    /** Prefill a prompt into the cache, then one token at a time: the full forward's rows. */
    @Test
    void decodingWithTheKvCacheEqualsTheFullForward() {
        int[] ids = sequence(2);
        float[] full = goldens.get("logits.2");
        int prompt = 7;
        try (TensorScope scope = ops.scope(); GradMode off = ops.noGrad();
                KvCache cache = model.newCache(1, ids.length)) {
            Tensor prefill = model.forward(TinyGpt2.row(ops, Arrays.copyOf(ids, prompt)),
                    TinyGpt2.row(ops, TinyGpt2.range(0, prompt)), cache);
            assertClose(full, 0, prefill.toFloatArray(), 0, prompt * vocab, "prefill");
            assertEquals(prompt, cache.length());
            for (int t = prompt; t < ids.length; t++) {
                Tensor step = model.forward(TinyGpt2.row(ops, new int[] {ids[t]}),
                        TinyGpt2.row(ops, new int[] {t}), cache);
                assertEquals(Shape.of(1, 1, vocab), step.shape());
                assertClose(full, t * vocab, step.toFloatArray(), 0, vocab, "decoding step " + t);
            }
            assertEquals(ids.length, cache.length());
            cache.clear();
            assertEquals(0, cache.length());
            Tensor again = model.forwardLast(TinyGpt2.row(ops, Arrays.copyOf(ids, 3)),
                    TinyGpt2.row(ops, TinyGpt2.range(0, 3)), null, cache);
            assertEquals(Shape.of(1, vocab), again.shape());
            assertClose(full, 2 * vocab, again.toFloatArray(), 0, vocab, "forwardLast after clear");
        }
    }

    /**
     * A left-padded batch of prompts of different lengths prefilled with the mask, then decoded
     * together: every row's logits are those of its sequence alone.
     */
    @Test
    void paddedBatchDecodesWithTheCacheAsEachSequenceAlone() {
        int[][] rows = {sequence(0), sequence(2), Arrays.copyOfRange(sequence(2), 5, 20)};
        String[] golden = {"logits.0", "logits.2", null};
        int[] prompts = {8, 3, 6};
        int width = 8;
        int steps = 4;
        int batch = rows.length;
        float[][] alone = new float[batch][];
        try (TensorScope scope = ops.scope(); GradMode off = ops.noGrad();
                KvCache cache = model.newCache(batch, width + steps)) {
            for (int b = 0; b < batch; b++) {
                alone[b] = golden[b] != null ? goldens.get(golden[b])
                        : model.forward(TinyGpt2.row(ops, rows[b]),
                                TinyGpt2.row(ops, TinyGpt2.range(0, rows[b].length)), null).toFloatArray();
            }
            int[] ids = new int[batch * width];
            int[] positions = new int[batch * width];
            int[] mask = new int[batch * (width + steps)];
            for (int b = 0; b < batch; b++) {
                int pad = width - prompts[b];
                for (int t = 0; t < width; t++) {
                    boolean real = t >= pad;
                    ids[b * width + t] = real ? rows[b][t - pad] : 0;
                    positions[b * width + t] = real ? t - pad : 1;
                    mask[b * (width + steps) + t] = real ? 1 : 0;
                }
            }
            Tensor last = model.forwardLast(ops.tensor(ids, Shape.of(batch, width)),
                    ops.tensor(positions, Shape.of(batch, width)), mask(mask, batch, width, steps, 0),
                    cache);
            for (int step = 0; step <= steps; step++) {
                float[] logits = last.toFloatArray();
                for (int b = 0; b < batch; b++) {
                    int position = prompts[b] - 1 + step;
                    assertClose(alone[b], position * vocab, logits, b * vocab, vocab,
                            "row " + b + " at position " + position);
                }
                if (step == steps) {
                    break;
                }
                int[] next = new int[batch];
                int[] nextPositions = new int[batch];
                for (int b = 0; b < batch; b++) {
                    nextPositions[b] = prompts[b] + step;
                    next[b] = rows[b][nextPositions[b]];
                    mask[b * (width + steps) + width + step] = 1;
                }
                last = model.forwardLast(ops.tensor(next, Shape.of(batch, 1)),
                        ops.tensor(nextPositions, Shape.of(batch, 1)),
                        mask(mask, batch, width, steps, step + 1), cache);
            }
        }
    }

    /**
     * BF16 weights, an untied head, exact gelu, n_inner, scale_attn_by_inverse_layer_idx and
     * reorder_and_upcast_attn.
     */
    @Test
    void theVariantCheckpointEqualsPyTorch() {
        try (LoadedModel variant = TinyGpt2.load("tiny-gpt2-variant", ops)) {
            Map<String, Tensor> parameters = variant.model().parameters();
            assertTrue(parameters.containsKey("lm_head.weight"), "untied head");
            // torch_dtype bfloat16: the matrices stay BF16, LayerNorms and biases become F32
            assertEquals(DType.BF16, parameters.get("transformer.h.1.attn.c_attn.weight").dtype());
            assertEquals(DType.BF16, parameters.get("transformer.wpe.weight").dtype());
            assertEquals(DType.BF16, parameters.get("lm_head.weight").dtype());
            assertEquals(DType.F32, parameters.get("transformer.h.1.attn.c_attn.bias").dtype());
            assertEquals(DType.F32, parameters.get("transformer.ln_f.weight").dtype());
            JsonNode sequences = info.get("variant_sequences");
            for (int i = 0; i < sequences.size(); i++) {
                int[] ids = TinyGpt2.ints(sequences.get(i));
                try (TensorScope scope = ops.scope(); GradMode off = ops.noGrad()) {
                    Tensor logits = variant.model().forward(TinyGpt2.row(ops, ids),
                            TinyGpt2.row(ops, TinyGpt2.range(0, ids.length)), null);
                    assertClose(goldens.get("variant.logits." + i), logits.toFloatArray(),
                            "variant logits of sequence " + i);
                }
            }
        }
    }

    /** The first {@code width + step} columns of the {@code [batch, width + steps]} mask. */
    private Tensor mask(int[] mask, int batch, int width, int steps, int step) {
        int keys = width + step;
        int[] columns = new int[batch * keys];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(mask, b * (width + steps), columns, b * keys, keys);
        }
        return ops.tensor(columns, Shape.of(batch, keys));
    }

    private int[] sequence(int i) {
        return TinyGpt2.ints(info.get("sequences").get(i));
    }
}
