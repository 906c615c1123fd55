package dev.kiln.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tuner.Tuner.TunedModel;
import dev.kiln.core.tensor.TensorEngine;
import dev.kiln.hal.cpu.CpuDevice;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * {@code TunedModel.learningRateScale} (LoRA+): the trainer steps a scaled parameter with the
 * scheduled rate times its scale. Checked by hand on AdamW's first step, which moves a parameter
 * by {@code -lr (weight_decay · p + m̂ / (sqrt(v̂) + eps))} with m̂ and v̂ the gradient and its
 * square: linear in lr for a given gradient, so the scaled parameter moves R times as far as in
 * the same run without the scale, and every other parameter exactly as far.
 */
class LearningRateScaleTest {

    private static final CpuDevice CPU = new CpuDevice(2);
    private static final double RATIO = 16;
    private final TensorOps ops = new TensorEngine().on(CPU);

    @AfterAll
    static void close() {
        CPU.close();
    }

    private static ListBatches data() {
        return new ListBatches(List.of(ListBatches.of(new int[] {3, 7, 1, 12, 5, 9},
                new int[] {4, 4, 18, 2})), null);
    }

    /** The parameters before and after one step with the tuning {@code tuning} makes. */
    private Map<String, float[][]> oneStep(Function<TinyLm, TunedModel> tuning) throws Exception {
        TinyLm model = TinyLm.random(ops, 20, 16, 2, 3);
        Map<String, float[][]> values = new LinkedHashMap<>();
        model.parameters().forEach((name, p) -> values.put(name, new float[][] {p.toFloatArray(), null}));
        TrainingArguments args = TrainingArguments.builder().learningRate(1e-2).weightDecay(0.1)
                .lrSchedulerType(LearningRateSchedule.Type.CONSTANT).maxSteps(1).maxGradNorm(0)
                .loggingSteps(1).saveSteps(1000).evalSteps(1000).seed(5).build();
        new Trainer(ops, model, tuning.apply(model), data(), Optional.empty(), args, 2,
                TrainerGoldenTest.NO_CHECKPOINTS, List.of(), new StopRequest()).train();
        model.parameters().forEach((name, p) -> values.get(name)[1] = p.toFloatArray());
        return values;
    }

    @Test
    void aScaledParameterMovesRatioTimesAsFarAndTheOthersAsWithoutTheScale() throws Exception {
        Map<String, float[][]> plain = oneStep(FullTuning::new);
        Map<String, float[][]> plus = oneStep(model -> new ScaledTuning(model, "up_proj", RATIO));
        int scaled = 0;
        for (String name : plain.keySet()) {
            float[] before = plain.get(name)[0];
            assertArrayEquals(before, plus.get(name)[0], name + ": the same start");
            if (!name.contains("up_proj")) {
                assertArrayEquals(plain.get(name)[1], plus.get(name)[1], 0f, name);
                continue;
            }
            scaled++;
            double largest = 0;
            for (int i = 0; i < before.length; i++) {
                double step = (double) plain.get(name)[1][i] - before[i];
                double fast = (double) plus.get(name)[1][i] - before[i];
                // one float rounding of p (|p| < 1) after each update: 6e-8 absolute at most
                assertEquals(RATIO * step, fast, 1e-6, name + "[" + i + "]");
                largest = Math.max(largest, Math.abs(step));
            }
            assertTrue(largest > 5e-3, name + " moved by about lr: " + largest);
        }
        assertEquals(2, scaled, "up_proj of both layers");
    }

    @Test
    void aScaleThatIsNoNumberIsRefusedNamingTheParameter() {
        TinyLm model = TinyLm.random(ops, 20, 16, 2, 3);
        TrainingArguments args = TrainingArguments.builder().maxSteps(1).build();
        Trainer trainer = new Trainer(ops, model, new ScaledTuning(model, "lm_head", Double.NaN),
                data(), Optional.empty(), args, 2, TrainerGoldenTest.NO_CHECKPOINTS, List.of(),
                new StopRequest());
        IllegalStateException e = assertThrows(IllegalStateException.class, trainer::train);
        assertTrue(e.getMessage().contains("lm_head.weight"), e.getMessage());
        assertFalse(model.parameters().get("lm_head.weight").grad().isPresent());
    }

    @Test
    void fullTuningScalesNothing() {
        TinyLm model = TinyLm.random(ops, 20, 16, 2, 3);
        for (Map.Entry<String, Tensor> p : model.parameters().entrySet()) {
            assertEquals(1, new FullTuning(model).learningRateScale(p.getKey()), p.getKey());
        }
    }
}
