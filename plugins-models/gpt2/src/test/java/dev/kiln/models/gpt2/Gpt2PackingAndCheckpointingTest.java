package dev.kiln.models.gpt2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.model.CausalLM;
import dev.kiln.api.model.LinearLayer;
import dev.kiln.api.tensor.GradMode;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tensor.TensorScope;
import dev.kiln.hal.cpu.CpuDevice;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Samples packed into one row (attention mask = segment ids, positions restarting at 0) give the
 * logits each sample gives alone; activation checkpointing recomputes each block and gives the
 * plain forward's gradients, dropout included; {@code reseed} repeats the dropout masks.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@SuppressWarnings("try") // scopes and no-grad modes are opened for their effect on the body
class Gpt2PackingAndCheckpointingTest {

    private static final int[] A = {5, 17, 42, 3, 49};
    private static final int[] B = {7, 8, 25, 11};
    private static final int[] C = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};

    private final CpuDevice device = TinyGpt2.cpu();
    private final TensorOps ops = TinyGpt2.ops(device);
    private final Gpt2Family family = new Gpt2Family();

    @AfterAll
    void close() {
        device.close();
    }

    /** Row 0: A, B and two pads; row 1: C. */
    @Test
    void packedSamplesGiveTheLogitsOfEachSampleAlone() {
        int seq = C.length;
        int[] ids = new int[2 * seq];
        int[] positions = new int[2 * seq];
        int[] segments = new int[2 * seq];
        place(A, 0, 1, ids, positions, segments);
        place(B, A.length, 2, ids, positions, segments);
        place(C, seq, 1, ids, positions, segments);
        try (Gpt2ModelTest.Closer models = new Gpt2ModelTest.Closer();
                TensorScope scope = ops.scope(); GradMode off = ops.noGrad()) {
            CausalLM model = models.add(family.create(Gpt2ModelTest.config(), ops, 21));
            float[] packed = model.forward(ops.tensor(ids, Shape.of(2, seq)),
                    ops.tensor(positions, Shape.of(2, seq)), ops.tensor(segments, Shape.of(2, seq)),
                    null).toFloatArray();
            int vocab = 50;
            assertClose("A", alone(model, A), slice(packed, 0, A.length, vocab));
            assertClose("B", alone(model, B), slice(packed, A.length, B.length, vocab));
            assertClose("C", alone(model, C), slice(packed, seq, C.length, vocab));
        }
    }

    @Test
    void checkpointedBlocksRunTwiceAndGiveThePlainGradientsWithDropout() {
        try (Gpt2ModelTest.Closer models = new Gpt2ModelTest.Closer()) {
            CausalLM model = models.add(family.create(
                    Gpt2ModelTest.config("resid_pdrop", 0.2, "embd_pdrop", 0.1), ops, 23));
            AtomicInteger calls = new AtomicInteger();
            model.wrapLinear("transformer.h.1.mlp.c_fc", base -> new Counting(base, calls));
            Map<String, float[]> plain = gradients(model, false);
            assertEquals(1, calls.getAndSet(0), "a plain forward and backward run the block once");
            Map<String, float[]> checkpointed = gradients(model, true);
            assertEquals(2, calls.get(), "a checkpointed block runs again in backward");
            for (String parameter : plain.keySet()) {
                assertArrayEquals(plain.get(parameter), checkpointed.get(parameter), 1e-6f,
                        "gradient of " + parameter);
            }
        }
    }

    @Test
    void reseedRepeatsTheDropoutMasks() {
        try (Gpt2ModelTest.Closer models = new Gpt2ModelTest.Closer(); TensorScope scope = ops.scope()) {
            CausalLM model = models.add(family.create(
                    Gpt2ModelTest.config("resid_pdrop", 0.3, "embd_pdrop", 0.3), ops, 5));
            Tensor ids = TinyGpt2.row(ops, C);
            Tensor positions = TinyGpt2.row(ops, TinyGpt2.range(0, C.length));
            model.reseed(99);
            float[] first = model.forward(ids, positions, null).toFloatArray();
            float[] second = model.forward(ids, positions, null).toFloatArray();
            model.reseed(99);
            assertArrayEquals(first, model.forward(ids, positions, null).toFloatArray(), 0f);
            assertArrayEquals(second, model.forward(ids, positions, null).toFloatArray(), 0f);
            assertFalse(Arrays.equals(first, second), "each forward draws new masks");
        }
    }

    /** The gradients of a packed row's loss (targets: the next token within each segment). */
    private Map<String, float[]> gradients(CausalLM model, boolean checkpointing) {
        model.setGradientCheckpointing(checkpointing);
        model.reseed(7);
        int seq = A.length + B.length + 2;
        int[] ids = new int[seq];
        int[] positions = new int[seq];
        int[] segments = new int[seq];
        place(A, 0, 1, ids, positions, segments);
        place(B, A.length, 2, ids, positions, segments);
        int[] targets = new int[seq];
        for (int i = 0; i < seq; i++) {
            targets[i] = i + 1 < seq && segments[i] != 0 && segments[i + 1] == segments[i]
                    ? ids[i + 1] : -100;
        }
        try (TensorScope scope = ops.scope()) {
            Tensor logits = model.forward(ops.tensor(ids, Shape.of(1, seq)),
                    ops.tensor(positions, Shape.of(1, seq)), ops.tensor(segments, Shape.of(1, seq)),
                    null);
            ops.crossEntropy(ops.reshape(logits, Shape.of(seq, 50)), ops.tensor(targets, Shape.of(seq)),
                    -100).backward();
        }
        Map<String, float[]> grads = new LinkedHashMap<>();
        model.parameters().forEach((n, p) -> {
            grads.put(n, p.grad().orElseThrow(() -> new AssertionError("no gradient for " + n))
                    .toFloatArray());
            p.zeroGrad();
        });
        model.setGradientCheckpointing(false);
        return grads;
    }

    private float[] alone(CausalLM model, int[] sample) {
        return model.forward(TinyGpt2.row(ops, sample), TinyGpt2.row(ops, TinyGpt2.range(0, sample.length)),
                null).toFloatArray();
    }

    private static void place(int[] sample, int at, int segment, int[] ids, int[] positions,
            int[] segments) {
        for (int i = 0; i < sample.length; i++) {
            ids[at + i] = sample[i];
            positions[at + i] = i;
            segments[at + i] = segment;
        }
    }

    private static float[] slice(float[] logits, int from, int length, int vocab) {
        return Arrays.copyOfRange(logits, from * vocab, (from + length) * vocab);
    }

    private static void assertClose(String what, float[] want, float[] got) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertTrue(Math.abs(want[i] - got[i]) <= 1e-5 + 1e-5 * Math.abs(want[i]),
                    what + " at " + i + ": " + got[i] + " != " + want[i]);
        }
    }

    /** Counts the forwards of the layer it wraps. */
    private record Counting(LinearLayer base, AtomicInteger calls) implements LinearLayer {
        public int inFeatures() { return base.inFeatures(); }
        public int outFeatures() { return base.outFeatures(); }
        public Tensor weight() { return base.weight(); }
        public Optional<Tensor> bias() { return base.bias(); }
        public Tensor forward(Tensor x) {
            calls.incrementAndGet();
            return base.forward(x);
        }
    }
}
