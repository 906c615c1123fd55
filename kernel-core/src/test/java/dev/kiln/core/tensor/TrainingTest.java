package dev.kiln.core.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tensor.TensorScope;
import dev.kiln.core.optim.AdamW;
import dev.kiln.core.optim.GradClipping;
import dev.kiln.api.backend.Device;
import dev.kiln.hal.tck.reference.ReferenceDevice;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Small models trained end to end: the loss falls, runs repeat bit for bit, memory stays flat. */
@SuppressWarnings("try") // scopes act by being open
class TrainingTest {

    private final CountingDevice device = new CountingDevice(newDevice());
    private final TensorOps ops = new TensorEngine().on(device);

    /** The device the training runs on; {@link CpuTrainingTest} runs the same on the CPU backend. */
    Device newDevice() {
        return new ReferenceDevice();
    }

    /** A batch of 2 sequences of 6 tokens; the targets are the next tokens, the last ignored. */
    private final Tensor ids = ops.tensor(new int[] {1, 4, 2, 7, 3, 9, 5, 5, 0, 10, 6, 2},
            Shape.of(2, 6));
    private final Tensor positions = ops.tensor(new int[] {0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5},
            Shape.of(2, 6));
    private final Tensor targets = ops.tensor(new int[] {4, 2, 7, 3, 9, -100, 5, 0, 10, 6, 2, -100},
            Shape.of(12));

    @Test
    void aSmallMlpLearnsItsBatch() {
        Random random = new Random(3);
        Tensor w1 = ops.parameter(gaussian(random, 16 * 4, 0.5), Shape.of(16, 4));
        Tensor b1 = ops.parameter(new float[16], Shape.of(16));
        Tensor w2 = ops.parameter(gaussian(random, 3 * 16, 0.25), Shape.of(3, 16));
        Tensor b2 = ops.parameter(new float[3], Shape.of(3));
        Tensor x = ops.tensor(gaussian(random, 8 * 4, 1), Shape.of(8, 4));
        Tensor y = ops.tensor(new int[] {0, 1, 2, 0, 1, 2, 0, 1}, Shape.of(8));
        try (AdamW optimizer = new AdamW(AdamW.Settings.defaults().withLearningRate(0.05))) {
            optimizer.addGroup(List.of(w1, w2), true).addGroup(List.of(b1, b2), false);
            List<Float> losses = new ArrayList<>();
            for (int step = 0; step < 15; step++) {
                try (TensorScope scope = ops.scope()) {
                    Tensor hidden = ops.relu(ops.linear(x, w1, b1));
                    Tensor loss = ops.crossEntropy(ops.linear(hidden, w2, b2), y, -100);
                    loss.backward();
                    losses.add(loss.item());
                }
                optimizer.step();
                optimizer.zeroGrad();
            }
            assertTrue(losses.getLast() < 0.5f * losses.getFirst(), "losses " + losses);
        }
    }

    @Test
    void aTinyTransformerLearnsItsBatch() {
        List<Float> losses = train(new TinyTransformer(ops, 11, false), 12);
        for (int i = 1; i < losses.size(); i++) {
            assertTrue(losses.get(i) < losses.get(i - 1) + 0.05f, "losses " + losses);
        }
        assertTrue(losses.getLast() < 0.8f * losses.getFirst(), "losses " + losses);
    }

    @Test
    void twoIdenticalRunsGiveBitIdenticalParameters() {
        TinyTransformer first = new TinyTransformer(ops, 5, false);
        TinyTransformer second = new TinyTransformer(ops, 5, false);
        List<Float> firstLosses = train(first, 4);
        List<Float> secondLosses = train(second, 4);
        assertEquals(firstLosses, secondLosses);
        for (int i = 0; i < first.parameters().size(); i++) {
            assertArrayEquals(first.parameters().get(i).toFloatArray(),
                    second.parameters().get(i).toFloatArray(), "parameter " + i);
        }
    }

    @Test
    void checkpointingTheBlockTrainsLikeTheDirectRun() {
        TinyTransformer direct = new TinyTransformer(ops, 9, false);
        TinyTransformer checkpointed = new TinyTransformer(ops, 9, true);
        List<Float> directLosses = train(direct, 3);
        List<Float> checkpointedLosses = train(checkpointed, 3);
        for (int i = 0; i < directLosses.size(); i++) {
            assertEquals(directLosses.get(i), checkpointedLosses.get(i), 1e-5f);
        }
        for (int i = 0; i < direct.parameters().size(); i++) {
            assertArrayEquals(direct.parameters().get(i).toFloatArray(),
                    checkpointed.parameters().get(i).toFloatArray(), 1e-5f, "parameter " + i);
        }
    }

    @Test
    void trainingStepsInAScopeLeaveOnlyParametersGradientsAndOptimizerState() {
        TinyTransformer model = new TinyTransformer(ops, 1, true);
        int parameters = model.parameters().size();
        long parameterBytes = model.parameters().stream().mapToLong(p -> p.shape().numel() * 4).sum();
        int baseBuffers = device.liveBuffers(); // the batch and the parameters
        long baseBytes = device.liveBytes();
        int[] updates = {0};
        try (AdamW optimizer = optimizerFor(model)) {
            train(model, 20, optimizer, () -> {
                // Gradients and the moments m and v, one each per parameter: nothing of the step.
                assertEquals(baseBuffers + 3 * parameters, device.liveBuffers());
                assertEquals(baseBytes + 3 * parameterBytes, device.liveBytes());
                updates[0]++;
            });
            assertEquals(20, updates[0]);
            assertEquals(baseBuffers + 2 * parameters, device.liveBuffers()); // gradients zeroed
        }
        assertEquals(baseBuffers, device.liveBuffers());
        assertEquals(baseBytes, device.liveBytes());
    }

    private List<Float> train(TinyTransformer model, int steps) {
        try (AdamW optimizer = optimizerFor(model)) {
            return train(model, steps, optimizer, () -> {});
        }
    }

    private static AdamW optimizerFor(TinyTransformer model) {
        AdamW optimizer = new AdamW(AdamW.Settings.defaults().withLearningRate(0.02));
        return optimizer.addGroup(model.matrices(), true).addGroup(model.norms(), false);
    }

    /**
     * Trains {@code steps} steps with clipping; {@code afterUpdate} runs after each optimizer
     * step, before the gradients are cleared. Returns the losses.
     */
    private List<Float> train(TinyTransformer model, int steps, AdamW optimizer,
            Runnable afterUpdate) {
        List<Float> losses = new ArrayList<>();
        for (int step = 0; step < steps; step++) {
            try (TensorScope scope = ops.scope()) {
                Tensor loss = model.loss(ids, positions, targets, 1000 + step);
                loss.backward();
                losses.add(loss.item());
            }
            GradClipping.clipGlobalNorm(model.parameters(), 1.0);
            optimizer.step();
            afterUpdate.run();
            optimizer.zeroGrad();
        }
        return losses;
    }

    private static float[] gaussian(Random random, int n, double std) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (random.nextGaussian() * std);
        }
        return values;
    }
}
