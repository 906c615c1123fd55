package dev.kiln.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tensor.TensorScope;
import dev.kiln.core.data.Batch;
import dev.kiln.core.optim.AdamW;
import dev.kiln.core.tensor.TensorEngine;
import dev.kiln.hal.cpu.CpuDevice;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The trainer against PyTorch (src/test/python/trainer_golden.py): three optimizer steps of two
 * accumulated micro-batches each (padding, prompt tokens without loss, a packed row), clipping
 * that bites in two of them, AdamW with decoupled weight decay and the norms excluded, a linear
 * schedule with one warmup step. Losses, gradient norms, learning rates, the first step's
 * accumulated gradients and the parameters after the last step must all agree.
 */
class TrainerGoldenTest {

    private static final CpuDevice CPU = new CpuDevice(2);
    private final TensorOps ops = new TensorEngine().on(CPU);
    private final Golden golden = Golden.load();

    @AfterAll
    static void close() {
        CPU.close();
    }

    private TinyLm model() {
        return new TinyLm(ops, golden.map("config"), golden.parameterValues(), golden.parameterShapes());
    }

    private TrainingArguments arguments() {
        Map<String, Object> h = golden.map("hyper");
        return TrainingArguments.builder()
                .learningRate(Golden.number(h, "learning_rate"))
                .weightDecay(Golden.number(h, "weight_decay"))
                .adamBeta1(Golden.number(h, "adam_beta1"))
                .adamBeta2(Golden.number(h, "adam_beta2"))
                .adamEpsilon(Golden.number(h, "adam_epsilon"))
                .maxGradNorm(Golden.number(h, "max_grad_norm"))
                .warmupSteps((int) Golden.number(h, "warmup_steps"))
                .maxSteps((long) Golden.number(h, "max_steps"))
                .gradientAccumulationSteps((int) Golden.number(h, "gradient_accumulation_steps"))
                .lrSchedulerType(LearningRateSchedule.Type.LINEAR)
                .loggingSteps(1).saveSteps(1000).evalSteps(1000)
                .build();
    }

    @Test
    void threeStepsEqualPyTorchs() throws Exception {
        TinyLm model = model();
        List<Batch> batches = new ArrayList<>();
        golden.steps().forEach(batches::addAll);
        List<StepReport> reports = new ArrayList<>();
        TrainingListener recorder = new TrainingListener() {
            @Override
            public void onStep(StepReport report) {
                reports.add(report);
            }
        };
        TrainingResult result = new Trainer(ops, model, new FullTuning(model),
                new ListBatches(batches, null), Optional.empty(), arguments(), 2, NO_CHECKPOINTS,
                List.of(recorder), new StopRequest()).train();

        List<Object> steps = Golden.list(golden.json, "steps");
        assertEquals(steps.size(), reports.size());
        for (int i = 0; i < steps.size(); i++) {
            Map<String, Object> want = Golden.asMap(steps.get(i));
            StepReport got = reports.get(i);
            assertEquals(Golden.number(want, "learning_rate"), got.learningRate(), 1e-12, "lr of step " + i);
            assertEquals(Golden.number(want, "loss"), got.loss(), 2e-5 * Golden.number(want, "loss"),
                    "loss of step " + i);
            assertEquals(Golden.number(want, "grad_norm"), got.gradNorm(),
                    2e-5 * Golden.number(want, "grad_norm"), "grad norm of step " + i);
        }
        assertEquals(3, result.state().globalStep());
        assertEquals(3, model.reseeds, "dropout reseeded before every step");
        Map<String, Object> finals = golden.map("final_parameters");
        for (Map.Entry<String, Tensor> p : model.parameters().entrySet()) {
            assertClose("parameter " + p.getKey() + " after 3 steps", Golden.floats(finals.get(p.getKey())),
                    p.getValue().toFloatArray(), 2e-5, 1e-4);
        }
    }

    /** The accumulated gradient of step 1: each micro-batch's token sum over the step's tokens. */
    @Test
    void accumulatedGradientsOfTheFirstStepEqualPyTorchs() {
        TinyLm model = model();
        List<Batch> micro = golden.steps().getFirst();
        CausalLmLoss loss = new CausalLmLoss(ops, model);
        long total = 0;
        for (Batch b : micro) {
            total += CausalLmLoss.countTrained(CausalLmLoss.targets(b));
        }
        assertEquals(Golden.number(Golden.asMap(Golden.list(golden.json, "steps").getFirst()),
                "trained_tokens"), total, "trained tokens after the shift");
        for (Batch b : micro) {
            int[] targets = CausalLmLoss.targets(b);
            try (TensorScope scope = ops.scope()) {
                loss.loss(b, targets, CausalLmLoss.countTrained(targets), total).backward();
            }
        }
        Map<String, Object> want = golden.map("first_step_gradients");
        for (Map.Entry<String, Tensor> p : model.parameters().entrySet()) {
            assertClose("gradient of " + p.getKey(), Golden.floats(want.get(p.getKey())),
                    p.getValue().grad().orElseThrow().toFloatArray(), 1e-5, 1e-4);
        }
    }

    @Test
    void schedulesEqualTorchsLambdaLrWithTransformersLambdas() {
        Map<String, Object> schedules = golden.map("schedules");
        long warmup = (long) Golden.number(schedules, "warmup_steps");
        long total = (long) Golden.number(schedules, "total_steps");
        for (LearningRateSchedule.Type type : List.of(LearningRateSchedule.Type.LINEAR,
                LearningRateSchedule.Type.COSINE)) {
            float[] want = Golden.floats(schedules.get(type.label()));
            LearningRateSchedule schedule = new LearningRateSchedule(type, 1.0, warmup, total);
            for (int step = 0; step < total; step++) {
                assertEquals(want[step], schedule.learningRate(step), 1e-7, type.label() + " step " + step);
            }
        }
    }

    static final CheckpointSink NO_CHECKPOINTS = new CheckpointSink() {
        @Override
        public Path save(TrainerState state, AdamW optimizer, LearningRateSchedule schedule) {
            return Path.of("checkpoint-" + state.globalStep());
        }
    };

    /** Every |got - want| within atol + rtol·|want|, as torch.allclose. */
    static void assertClose(String what, float[] want, float[] got, double atol, double rtol) {
        assertEquals(want.length, got.length, what + ": element count");
        double worst = 0;
        int at = -1;
        for (int i = 0; i < want.length; i++) {
            double excess = Math.abs(got[i] - want[i]) / (atol + rtol * Math.abs(want[i]));
            if (!(excess <= worst)) {
                worst = excess;
                at = i;
            }
        }
        assertTrue(worst <= 1, what + ": element " + at + " is " + (at < 0 ? "" : got[at] + ", want "
                + want[at]) + " (" + worst + " × tolerance)");
    }
}
