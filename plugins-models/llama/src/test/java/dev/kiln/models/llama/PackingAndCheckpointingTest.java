package dev.kiln.models.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.model.LinearLayer;
import dev.kiln.api.tensor.GradMode;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tensor.TensorScope;
import dev.kiln.core.model.LoadedModel;
import dev.kiln.core.model.TorchDtype;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Samples packed into one row (attention mask = segment ids, positions restarting at 0) give the
 * logits each sample gives alone; activation checkpointing gives the gradients of the plain
 * forward.
 */
@SuppressWarnings("try") // scopes and no-grad modes are opened for their effect on the body
class PackingAndCheckpointingTest {

    private static final int[] A = {5, 17, 42, 3, 99};
    private static final int[] B = {7, 8, 250, 11};
    private static final int[] C = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};

    private final TensorOps ops = Fixtures.ops();

    /** Row 0: A, B and two pads; row 1: C. mistral-bf16 adds its sliding window of 4. */
    @ParameterizedTest
    @ValueSource(strings = {"llama3", "mistral-bf16", "qwen3"})
    void packedSamplesGiveTheLogitsOfEachSampleAlone(String name) {
        int seq = C.length;
        int[] ids = new int[2 * seq];
        int[] positions = new int[2 * seq];
        int[] segments = new int[2 * seq];
        place(A, 0, 1, ids, positions, segments);
        place(B, A.length, 2, ids, positions, segments);
        place(C, seq, 1, ids, positions, segments);
        try (LoadedModel loaded = Fixtures.load(name, ops, TorchDtype.AUTO);
                TensorScope scope = ops.scope(); GradMode off = ops.noGrad()) {
            float[] packed = loaded.model().forward(ops.tensor(ids, Shape.of(2, seq)),
                    ops.tensor(positions, Shape.of(2, seq)), ops.tensor(segments, Shape.of(2, seq)),
                    null).toFloatArray();
            int vocab = packed.length / (2 * seq);
            assertClose(name + " A", alone(loaded, A), slice(packed, 0, A.length, vocab));
            assertClose(name + " B", alone(loaded, B), slice(packed, A.length, B.length, vocab));
            assertClose(name + " C", alone(loaded, C), slice(packed, seq, C.length, vocab));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "qwen2-sharded"})
    void checkpointedLayersGiveTheGradientsOfThePlainForward(String name) {
        try (LoadedModel loaded = Fixtures.load(name, ops, TorchDtype.FLOAT32)) {
            AtomicInteger calls = new AtomicInteger();
            loaded.model().wrapLinear("model.layers.1.mlp.down_proj", base -> new Counting(base, calls));
            Map<String, float[]> plain = gradients(loaded, false);
            assertEquals(1, calls.getAndSet(0), "a plain forward and backward run the layer once");
            Map<String, float[]> checkpointed = gradients(loaded, true);
            assertEquals(2, calls.get(), "a checkpointed layer runs again in backward");
            assertTrue(plain.size() > 10);
            for (String parameter : plain.keySet()) {
                assertArrayEquals(plain.get(parameter), checkpointed.get(parameter), 1e-6f,
                        name + " gradient of " + parameter);
            }
        }
    }

    @Test
    void negativeSegmentIdsAreRejected() {
        try (LoadedModel loaded = Fixtures.load("llama3", ops, TorchDtype.AUTO);
                TensorScope scope = ops.scope(); GradMode off = ops.noGrad()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> loaded.model().forward(ops.tensor(new int[] {1, 2}, Shape.of(1, 2)),
                            Fixtures.positions(ops, 0, 2),
                            ops.tensor(new int[] {1, -1}, Shape.of(1, 2)), null));
            assertTrue(e.getMessage().contains("segment id"), e.getMessage());
        }
    }

    /** The gradients of a packed batch's loss (targets: the next token within each segment). */
    private Map<String, float[]> gradients(LoadedModel loaded, boolean checkpointing) {
        loaded.model().setGradientCheckpointing(checkpointing);
        int seq = A.length + B.length;
        int[] ids = new int[seq];
        int[] positions = new int[seq];
        int[] segments = new int[seq];
        place(A, 0, 1, ids, positions, segments);
        place(B, A.length, 2, ids, positions, segments);
        int[] targets = new int[seq];
        for (int i = 0; i < seq; i++) {
            targets[i] = i + 1 < seq && segments[i + 1] == segments[i] ? ids[i + 1] : -100;
        }
        Map<String, float[]> grads = new LinkedHashMap<>();
        try (TensorScope scope = ops.scope()) {
            Tensor logits = loaded.model().forward(ops.tensor(ids, Shape.of(1, seq)),
                    ops.tensor(positions, Shape.of(1, seq)), ops.tensor(segments, Shape.of(1, seq)),
                    null);
            Tensor loss = ops.crossEntropy(ops.reshape(logits, Shape.of(seq, logits.shape().dim(2))),
                    ops.tensor(targets, Shape.of(seq)), -100);
            loss.backward();
        }
        loaded.model().parameters().forEach((n, p) -> {
            grads.put(n, p.grad().orElseThrow().toFloatArray());
            p.zeroGrad();
        });
        loaded.model().setGradientCheckpointing(false);
        return grads;
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

    private float[] alone(LoadedModel loaded, int[] sample) {
        return loaded.model().forward(ops.tensor(sample, Shape.of(1, sample.length)),
                Fixtures.positions(ops, 0, sample.length), null).toFloatArray();
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
        double worst = Fixtures.closeness(got, want, 1e-5, 1e-5);
        assertTrue(worst <= 1, what + ": off by " + worst + " × (1e-5 + 1e-5·|want|)");
    }
}
