package dev.kiln.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tuner.Tuner.TunedModel;
import dev.kiln.api.weights.WeightFormat;
import dev.kiln.api.weights.WeightSource;
import dev.kiln.core.data.Batch;
import dev.kiln.core.json.Json;
import dev.kiln.core.tensor.TensorEngine;
import dev.kiln.hal.cpu.CpuDevice;
import dev.kiln.models.safetensors.SafetensorsFormat;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints on disk: their layout, the rotation of {@code --save_total_limit}, a stop request
 * saving the last whole step, and a run resumed from a checkpoint repeating the uninterrupted
 * one exactly (CPU, fixed threads).
 */
class CheckpointAndResumeTest {

    private static final ValueLayout.OfFloat F32 =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final CpuDevice CPU = new CpuDevice(2);
    private final TensorOps ops = new TensorEngine().on(CPU);
    private final SafetensorsFormat safetensors = new SafetensorsFormat();

    @TempDir
    Path dir;

    @AfterAll
    static void close() {
        CPU.close();
    }

    /** Six batches of different lengths, shuffled anew every epoch. */
    private static ListBatches data() {
        List<Batch> batches = new ArrayList<>();
        for (int b = 0; b < 6; b++) {
            int[] a = new int[4 + b];
            int[] c = new int[7 - b % 3];
            for (int i = 0; i < a.length; i++) {
                a[i] = (b * 7 + i * 3) % 20;
            }
            for (int i = 0; i < c.length; i++) {
                c[i] = (b + i * 5) % 20;
            }
            batches.add(ListBatches.of(a, c));
        }
        return new ListBatches(batches, 7L);
    }

    /** 3 epochs of 3 steps (2 micro-batches each), warmup then cosine, clipping, saves every 4. */
    private static TrainingArguments arguments(int saveTotalLimit) {
        return TrainingArguments.builder().learningRate(5e-3).warmupSteps(2).numTrainEpochs(3)
                .gradientAccumulationSteps(2).maxGradNorm(1.0).loggingSteps(2).saveSteps(4)
                .evalSteps(3).saveTotalLimit(saveTotalLimit).seed(11).build();
    }

    private Path baseDirectory() throws IOException {
        Path base = Files.createDirectories(dir.resolve("base"));
        Files.writeString(base.resolve("tokenizer.json"), "{\"model\": {}}");
        Files.writeString(base.resolve("generation_config.json"), "{\"eos_token_id\": 2}");
        return base;
    }

    private record Run(TinyLm model, TrainingResult result, List<StepReport> steps, Path runDir,
            List<Map<String, Object>> logged) {}

    private Run train(Path runDir, int saveTotalLimit, Path resumeFrom, StopRequest stop, long stopAfter)
            throws Exception {
        return train(runDir, saveTotalLimit, resumeFrom, stop, stopAfter, FullTuning::new);
    }

    private Run train(Path runDir, int saveTotalLimit, Path resumeFrom, StopRequest stop, long stopAfter,
            Function<TinyLm, TunedModel> tuning) throws Exception {
        TinyLm model = TinyLm.random(ops, 20, 16, 2, 3);
        TunedModel tuned = tuning.apply(model);
        BaseModel base = new BaseModel(model.config().values(), Optional.of(baseDirectory()),
                baseDirectory().toString());
        CheckpointWriter writer = new CheckpointWriter(runDir, tuned, base, safetensors, ops,
                Map.of("model", "tiny", "train_type", "full"), saveTotalLimit, 11);
        List<StepReport> steps = new ArrayList<>();
        List<Map<String, Object>> logged = new ArrayList<>();
        TrainingListener recorder = new TrainingListener() {
            @Override
            public void onLog(Map<String, Object> entry) {
                logged.add(entry);
            }

            @Override
            public void onStep(StepReport report) {
                steps.add(report);
                if (report.step() == stopAfter) {
                    stop.request();
                }
            }
        };
        Trainer trainer = new Trainer(ops, model, tuned, data(), Optional.of(data()),
                arguments(saveTotalLimit), 2, writer, List.of(recorder), stop);
        TrainingResult result;
        if (resumeFrom == null) {
            result = trainer.train();
        } else {
            CheckpointReader.restoreWeights(resumeFrom, tuned, ops, safetensors);
            result = trainer.resume(CheckpointReader.read(resumeFrom, tuned, safetensors));
        }
        return new Run(model, result, steps, runDir, logged);
    }

    @Test
    void aResumedRunRepeatsTheUninterruptedOneExactly() throws Exception {
        Run whole = train(dir.resolve("whole"), 0, null, new StopRequest(), -1);
        assertEquals(9, whole.steps().size());
        Run resumed = train(dir.resolve("resumed"), 0, whole.runDir().resolve("checkpoint-4"),
                new StopRequest(), -1);
        assertEquals(5, resumed.steps().size(), "steps 5 to 9");
        for (int i = 0; i < 5; i++) {
            StepReport want = whole.steps().get(4 + i);
            StepReport got = resumed.steps().get(i);
            assertEquals(want.step(), got.step());
            assertEquals(want.loss(), got.loss(), 0, "loss of step " + want.step());
            assertEquals(want.gradNorm(), got.gradNorm(), 0, "grad norm of step " + want.step());
            assertEquals(want.learningRate(), got.learningRate(), 0, "lr of step " + want.step());
            assertEquals(want.epoch(), got.epoch(), 0, "epoch of step " + want.step());
        }
        for (Map.Entry<String, Tensor> p : whole.model().parameters().entrySet()) {
            assertArrayEquals(p.getValue().toFloatArray(),
                    resumed.model().parameters().get(p.getKey()).toFloatArray(), 0f, p.getKey());
        }
        // the resumed state carries the history before the checkpoint
        List<Map<String, Object>> history = resumed.result().state().logHistory();
        assertEquals(whole.result().state().logHistory().size(), history.size());
        assertEquals(whole.result().state().tokensSeen(), resumed.result().state().tokensSeen());
    }

    /** LoRA+'s scales are the tuner's, not the checkpoint's: the resumed run applies them again. */
    @Test
    void aRunWithLearningRateScalesResumesExactly() throws Exception {
        Function<TinyLm, TunedModel> plus = model -> new ScaledTuning(model, "v_proj", 8);
        Run whole = train(dir.resolve("whole"), 0, null, new StopRequest(), -1, plus);
        Run resumed = train(dir.resolve("resumed"), 0, whole.runDir().resolve("checkpoint-4"),
                new StopRequest(), -1, plus);
        Run plain = train(dir.resolve("plain"), 0, null, new StopRequest(), -1);
        for (int i = 0; i < 5; i++) {
            assertEquals(whole.steps().get(4 + i).loss(), resumed.steps().get(i).loss(), 0);
        }
        for (Map.Entry<String, Tensor> p : whole.model().parameters().entrySet()) {
            assertArrayEquals(p.getValue().toFloatArray(),
                    resumed.model().parameters().get(p.getKey()).toFloatArray(), 0f, p.getKey());
        }
        String v = "model.layers.0.self_attn.v_proj.weight";
        assertFalse(java.util.Arrays.equals(plain.model().parameters().get(v).toFloatArray(),
                whole.model().parameters().get(v).toFloatArray()), "the scale changes the run");
    }

    /**
     * transformers' Trainer ends log_history with {train_runtime, train_samples_per_second,
     * train_steps_per_second, total_flos, train_loss, epoch, step}; the final checkpoint's
     * trainer_state.json holds it (as save_state's does), earlier ones do not, and logging.jsonl's
     * listeners see the same entry last.
     */
    @Test
    void theFinalCheckpointEndsItsLogHistoryWithTheTrainingSummary() throws Exception {
        Run run = train(dir.resolve("run"), 0, null, new StopRequest(), -1);
        List<Map<String, Object>> history = run.result().state().logHistory();
        Map<String, Object> summary = history.getLast();
        assertEquals(List.of("train_runtime", "train_samples_per_second", "train_steps_per_second",
                "total_flos", "train_loss", "epoch", "step"), List.copyOf(summary.keySet()),
                "the keys, in transformers' order");
        assertEquals(9L, summary.get("step"));
        assertEquals(3.0, ((Number) summary.get("epoch")).doubleValue(), 1e-12);
        assertEquals(run.result().trainLoss(), ((Number) summary.get("train_loss")).doubleValue(), 0);
        double meanStepLoss = run.steps().stream().mapToDouble(StepReport::loss).average().orElseThrow();
        assertEquals(meanStepLoss, run.result().trainLoss(), 1e-12);
        double runtime = ((Number) summary.get("train_runtime")).doubleValue();
        assertTrue(runtime > 0, summary.toString());
        // 9 steps of 2 micro-batches of 2 rows: 36 samples, 4 a step (both rates rounded to 3
        // digits from the same unrounded runtime)
        double stepsPerSecond = ((Number) summary.get("train_steps_per_second")).doubleValue();
        assertEquals(9 / runtime, stepsPerSecond, 9 / runtime * 0.01);
        assertEquals(4 * stepsPerSecond,
                ((Number) summary.get("train_samples_per_second")).doubleValue(), 0.0025);
        assertEquals(0.0, summary.get("total_flos"));

        List<?> saved = (List<?>) json(run.runDir().resolve("checkpoint-9/trainer_state.json"))
                .get("log_history");
        assertEquals(history.size(), saved.size());
        Map<?, ?> last = (Map<?, ?>) saved.getLast();
        assertEquals(summary.keySet(), last.keySet());
        assertEquals(9L, last.get("step"));
        assertEquals(((Number) summary.get("train_loss")).doubleValue(),
                ((Number) last.get("train_loss")).doubleValue(), 0);
        List<?> earlier = (List<?>) json(run.runDir().resolve("checkpoint-8/trainer_state.json"))
                .get("log_history");
        assertTrue(earlier.stream().noneMatch(e -> ((Map<?, ?>) e).containsKey("train_loss")),
                "only the run's end has a summary");
        assertEquals(summary, run.logged().getLast(), "the listeners' last entry");
    }

    @Test
    void anInterruptedRunLogsNoSummary() throws Exception {
        Run run = train(dir.resolve("run"), 0, null, new StopRequest(), 5);
        assertTrue(run.result().interrupted());
        assertTrue(run.result().state().logHistory().stream()
                .noneMatch(e -> e.containsKey("train_loss")));
        List<?> saved = (List<?>) json(run.runDir().resolve("checkpoint-5/trainer_state.json"))
                .get("log_history");
        assertTrue(saved.stream().noneMatch(e -> ((Map<?, ?>) e).containsKey("train_loss")));
    }

    @Test
    void aCheckpointHoldsTheModelOptimizerScheduleAndState() throws Exception {
        Run run = train(dir.resolve("run"), 0, null, new StopRequest(), -1);
        try (Stream<Path> entries = Files.list(run.runDir())) {
            assertEquals(List.of("checkpoint-4", "checkpoint-8", "checkpoint-9"),
                    entries.map(p -> p.getFileName().toString()).sorted().toList(),
                    "saved every 4 steps and at the end, nothing temporary left");
        }
        Path checkpoint = run.runDir().resolve("checkpoint-8");
        try (Stream<Path> files = Files.list(checkpoint)) {
            assertEquals(List.of("args.json", "config.json", "generation_config.json",
                    "model.safetensors", "optimizer.safetensors", "rng_state.json", "scheduler.json",
                    "tokenizer.json", "trainer_state.json"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        Map<String, Object> state = json(checkpoint.resolve("trainer_state.json"));
        assertEquals(8L, state.get("global_step"));
        assertEquals(9L, state.get("max_steps"));
        assertEquals(8.0 / 3, ((Number) state.get("epoch")).doubleValue(), 1e-12);
        List<?> history = (List<?>) state.get("log_history");
        Map<?, ?> first = (Map<?, ?>) history.getFirst();
        assertEquals(1L, first.get("step"), "the first step is logged");
        assertTrue(first.containsKey("loss") && first.containsKey("learning_rate")
                && first.containsKey("grad_norm") && first.containsKey("epoch"), first.toString());
        assertTrue(history.stream().anyMatch(e -> ((Map<?, ?>) e).containsKey("eval_loss")),
                "evaluations at steps 3 and 6");
        Map<String, Object> scheduler = json(checkpoint.resolve("scheduler.json"));
        assertEquals(8L, scheduler.get("last_epoch"));
        assertEquals("cosine", scheduler.get("lr_scheduler_type"));
        assertEquals("full", json(checkpoint.resolve("args.json")).get("train_type"));
        assertEquals("float32", json(checkpoint.resolve("config.json")).get("torch_dtype"));
        // the weights are the model's at step 8: the run's step 9 went on from there
        try (WeightSource weights = safetensors.open(run.runDir().resolve("checkpoint-9/model.safetensors"))) {
            for (Map.Entry<String, Tensor> p : run.model().parameters().entrySet()) {
                assertArrayEquals(p.getValue().toFloatArray(), weights.data(p.getKey()).toArray(F32), 0f);
            }
        }
        try (WeightSource optimizer = safetensors.open(checkpoint.resolve("optimizer.safetensors"))) {
            assertEquals("8", optimizer.metadata().get("steps"));
            assertEquals("8", optimizer.metadata().get("step.lm_head.weight"));
            assertTrue(optimizer.tensors().containsKey("exp_avg_sq.model.layers.1.mlp.up_proj.weight"));
        }
    }

    @Test
    void saveTotalLimitKeepsTheNewestCheckpoints() throws Exception {
        Run run = train(dir.resolve("run"), 2, null, new StopRequest(), -1);
        assertEquals(List.of(run.runDir().resolve("checkpoint-8"), run.runDir().resolve("checkpoint-9")),
                CheckpointWriter.checkpoints(run.runDir()));
        assertEquals(Optional.of(run.runDir().resolve("checkpoint-9")), run.result().lastCheckpoint());
    }

    @Test
    void aStopRequestSavesTheLastWholeStepAndEnds() throws Exception {
        StopRequest stop = new StopRequest();
        Run run = train(dir.resolve("run"), 0, null, stop, 5);
        assertTrue(run.result().interrupted());
        assertEquals(5, run.result().state().globalStep());
        assertEquals(Optional.of(run.runDir().resolve("checkpoint-5")), run.result().lastCheckpoint());
        assertTrue(stop.awaitFinished(0, java.util.concurrent.TimeUnit.SECONDS));
        // and the interrupted run resumes into the same curve as the whole run
        Run resumed = train(dir.resolve("resumed"), 0, run.runDir().resolve("checkpoint-5"),
                new StopRequest(), -1);
        Run whole = train(dir.resolve("whole"), 0, null, new StopRequest(), -1);
        for (int i = 0; i < 4; i++) {
            assertEquals(whole.steps().get(5 + i).loss(), resumed.steps().get(i).loss(), 0);
        }
    }

    @Test
    void aSaveThatFailsLeavesTheCheckpointsBeforeItIntactAndNoPartialDirectory() throws Exception {
        Run whole = train(dir.resolve("whole"), 0, null, new StopRequest(), -1);
        Path runDir = dir.resolve("full-disk");
        // The second save's weights run out of space half-way, as a full disk does.
        WeightFormat fullDisk = new WeightFormat() {
            int writes;

            @Override
            public String name() {
                return safetensors.name();
            }

            @Override
            public boolean canOpen(Path location) {
                return safetensors.canOpen(location);
            }

            @Override
            public WeightSource open(Path location) throws IOException {
                return safetensors.open(location);
            }

            @Override
            public void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata)
                    throws IOException {
                if (++writes > 2) { // the model and the optimizer of checkpoint-4 are the first two
                    Files.write(file, new byte[100]);
                    throw new IOException("No space left on device");
                }
                safetensors.write(file, tensors, metadata);
            }
        };
        TinyLm model = TinyLm.random(ops, 20, 16, 2, 3);
        TunedModel tuned = new FullTuning(model);
        CheckpointWriter writer = new CheckpointWriter(runDir, tuned, new BaseModel(model.config().values(),
                Optional.of(baseDirectory()), baseDirectory().toString()), fullDisk, ops, Map.of("model", "tiny"), 0, 11);
        Trainer trainer = new Trainer(ops, model, tuned, data(), Optional.of(data()), arguments(0), 2, writer,
                List.of(), new StopRequest());

        IOException e = assertThrows(IOException.class, trainer::train);
        assertTrue(e.getMessage().contains("cannot save " + runDir.resolve("checkpoint-8") + ": No space left on device"),
                e.getMessage());
        try (Stream<Path> left = Files.list(runDir)) {
            assertEquals(List.of("checkpoint-4"), left.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no checkpoint-8, no partial .checkpoint-8.tmp");
        }
        for (String file : List.of(CheckpointWriter.MODEL_WEIGHTS, CheckpointWriter.OPTIMIZER_FILE)) {
            assertEquals(-1L, Files.mismatch(whole.runDir().resolve("checkpoint-4").resolve(file),
                    runDir.resolve("checkpoint-4").resolve(file)), file + " of checkpoint-4 is whole");
        }
        // (trainer_state.json holds timings, so it is compared by what resuming reads from it)
        assertEquals(4L, ((Number) json(runDir.resolve("checkpoint-4").resolve(CheckpointWriter.TRAINER_STATE_FILE))
                .get("global_step")).longValue());
    }

    @Test
    void resumingFromADirectoryThatIsNoCheckpointNamesIt() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("nothing"));
        TinyLm model = TinyLm.random(ops, 20, 16, 2, 3);
        IOException e = assertThrows(IOException.class,
                () -> CheckpointReader.read(empty, new FullTuning(model), safetensors));
        assertTrue(e.getMessage().contains(empty + ": no trainer_state.json"), e.getMessage());
        assertFalse(Files.exists(empty.resolve("trainer_state.json")));
    }

    private static Map<String, Object> json(Path file) throws IOException {
        return Json.parseObject(Files.readString(file), file.toString());
    }
}
