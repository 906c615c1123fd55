package dev.kiln.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.tensor.GradMode;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tensor.TensorScope;
import dev.kiln.core.data.Batch;
import dev.kiln.core.tensor.TensorEngine;
import dev.kiln.hal.cpu.CpuDevice;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The trainer can memorize: four prompt → answer pairs (loss on the answers only, padded into one
 * batch) trained until greedy decoding from each prompt gives its answer exactly, and the loss
 * falls close to zero.
 */
@SuppressWarnings("try") // scopes and no-grad modes act by being open
class OverfitTest {

    private static final CpuDevice CPU = new CpuDevice(2);
    private final TensorOps ops = new TensorEngine().on(CPU);

    private static final int[][] PROMPTS = {{1, 4, 5}, {1, 6}, {1, 7, 8, 9}, {1, 10, 4}};
    private static final int[][] ANSWERS = {{11, 12, 13, 2}, {14, 11, 2}, {15, 16, 17, 18, 2}, {19, 3, 2}};

    @AfterAll
    static void close() {
        CPU.close();
    }

    @Test
    void greedyDecodingReproducesTheMemorizedAnswers() throws Exception {
        TinyLm model = TinyLm.random(ops, 20, 32, 2, 5);
        TrainingArguments args = TrainingArguments.builder().learningRate(1e-2).weightDecay(0)
                .lrSchedulerType(LearningRateSchedule.Type.CONSTANT).maxSteps(120)
                .gradientAccumulationSteps(1).loggingSteps(20).saveSteps(1000).evalSteps(1000).build();
        List<Double> losses = new ArrayList<>();
        TrainingListener recorder = new TrainingListener() {
            @Override
            public void onStep(StepReport report) {
                losses.add(report.loss());
            }
        };
        new Trainer(ops, model, new FullTuning(model), new ListBatches(List.of(batch()), null),
                Optional.empty(), args, 4, TrainerGoldenTest.NO_CHECKPOINTS, List.of(recorder),
                new StopRequest()).train();
        assertTrue(losses.getFirst() > 2, "starts unlearned: " + losses.getFirst());
        assertTrue(losses.getLast() < 0.05, "ends memorized: " + losses.getLast());
        for (int i = 0; i < PROMPTS.length; i++) {
            assertArrayEquals(ANSWERS[i], greedy(model, PROMPTS[i], ANSWERS[i].length),
                    "answer to " + Arrays.toString(PROMPTS[i]));
        }
    }

    /** Prompt and answer per row, right-padded; labels on the answer tokens only. */
    private static Batch batch() {
        int seq = 0;
        for (int i = 0; i < PROMPTS.length; i++) {
            seq = Math.max(seq, PROMPTS[i].length + ANSWERS[i].length);
        }
        int rows = PROMPTS.length;
        int[] ids = new int[rows * seq];
        int[] positions = new int[rows * seq];
        int[] mask = new int[rows * seq];
        int[] labels = new int[rows * seq];
        Arrays.fill(labels, -100);
        int trained = 0;
        for (int r = 0; r < rows; r++) {
            int t = 0;
            for (int token : PROMPTS[r]) {
                ids[r * seq + t] = token;
                positions[r * seq + t] = t;
                mask[r * seq + t] = 1;
                t++;
            }
            for (int token : ANSWERS[r]) {
                ids[r * seq + t] = token;
                positions[r * seq + t] = t;
                mask[r * seq + t] = 1;
                labels[r * seq + t] = token;
                trained++;
                t++;
            }
        }
        return new Batch(rows, seq, ids, positions, mask, labels, rows, trained);
    }

    /** Greedy decoding by full forwards: the most likely next token, {@code n} times. */
    private int[] greedy(TinyLm model, int[] prompt, int n) {
        int[] sequence = Arrays.copyOf(prompt, prompt.length + n);
        try (GradMode off = ops.noGrad()) {
            for (int length = prompt.length; length < sequence.length; length++) {
                try (TensorScope scope = ops.scope()) {
                    int[] positions = new int[length];
                    Arrays.setAll(positions, i -> i);
                    float[] logits = model.forward(ops.tensor(Arrays.copyOf(sequence, length),
                            Shape.of(1, length)), ops.tensor(positions, Shape.of(1, length)), null)
                            .toFloatArray();
                    int vocab = logits.length / length;
                    int best = 0;
                    for (int v = 1; v < vocab; v++) {
                        if (logits[(length - 1) * vocab + v] > logits[(length - 1) * vocab + best]) {
                            best = v;
                        }
                    }
                    sequence[length] = best;
                }
            }
        }
        return Arrays.copyOfRange(sequence, prompt.length, sequence.length);
    }
}
