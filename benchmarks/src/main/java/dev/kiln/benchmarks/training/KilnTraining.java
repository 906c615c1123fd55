package dev.kiln.benchmarks.training;

import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tuner.Tuner;
import dev.kiln.api.tuner.Tuner.TunedModel;
import dev.kiln.core.json.Json;
import dev.kiln.core.model.LoadedModel;
import dev.kiln.core.model.ModelLoader;
import dev.kiln.core.model.TorchDtype;
import dev.kiln.core.tensor.TensorEngine;
import dev.kiln.core.train.StepReport;
import dev.kiln.core.train.StopRequest;
import dev.kiln.core.train.Trainer;
import dev.kiln.core.train.TrainingArguments;
import dev.kiln.core.train.TrainingListener;
import dev.kiln.core.train.TrainingResult;
import dev.kiln.hal.cpu.CpuDevice;
import dev.kiln.models.llama.LlamaFamily;
import dev.kiln.models.safetensors.SafetensorsFormat;
import dev.kiln.tuners.full.FullTuner;
import dev.kiln.tuners.lora.LoraTuner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Kiln side of training-vs-torch.sh: kernel-core's {@link Trainer}, the loop of
 * {@code kiln pt}/{@code kiln sft}, trains the checkpoint of llama_checkpoint.py (f32) with the
 * full or the LoRA tuner on a {@link CpuDevice} of THREADS threads, and the seconds of every
 * optimizer step ({@link StepReport}: forward, backward, clipping, AdamW) go to OUT.json with
 * the process's peak memory.
 *
 * <pre>{@code
 * java --add-modules jdk.incubator.vector -Xmx6g -cp target/benchmarks.jar \
 *     dev.kiln.benchmarks.training.KilnTraining full|lora OUT.json     # settings: TrainingSettings
 * }</pre>
 *
 * <p>What the job adds around the trainer is left out, as it costs nothing per step: the data
 * is one fixed batch (prompt.json's ids, loss on every token as {@code kiln pt}), and
 * checkpoints go nowhere (the last step's save is a no-op; writing 1.8 GB of weights and
 * optimizer state would measure the disk).
 */
public final class KilnTraining {

    private KilnTraining() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2 || !List.of("full", "lora").contains(args[0])) {
            System.err.println("usage: KilnTraining full|lora OUT.json");
            System.exit(2);
        }
        String trainType = args[0];
        TrainingSettings settings = TrainingSettings.fromEnvironment();
        ModelLoader loader = new ModelLoader(List.of(new LlamaFamily()), List.of(new SafetensorsFormat()));
        try (CpuDevice device = new CpuDevice(settings.threads())) {
            TensorOps ops = new TensorEngine().on(device);
            try (LoadedModel loaded = loader.load(settings.model(), ops, TorchDtype.FLOAT32)) {
                boolean full = trainType.equals("full");
                Tuner tuner = full ? new FullTuner() : new LoraTuner(List.of(new SafetensorsFormat()));
                TunedModel tuned = tuner.apply(loaded.model(), tunerArguments(full, settings), ops, 42);
                long trainable = tuned.trainableParameters().values().stream()
                        .mapToLong(t -> t.shape().numel()).sum();
                long total = loaded.model().parameters().values().stream()
                        .mapToLong(t -> t.shape().numel()).sum();
                StepTimes times = new StepTimes();
                Trainer trainer = new Trainer(ops, loaded.model(), tuned, new RepeatedBatch(settings),
                        Optional.empty(), arguments(full, settings), 1,
                        (state, optimizer, schedule) -> Path.of("unsaved"), List.of(times),
                        new StopRequest());
                TrainingResult result = trainer.train();
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("side", "Kiln");
                out.put("train_type", trainType);
                out.put("threads", settings.threads());
                out.put("setup", loaded.summary() + ", " + device + ", Java " + Runtime.version()
                        + ", heap max " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB");
                out.put("parameters", total);
                out.put("trainable_parameters", trainable);
                out.put("tokens_per_step", settings.seq());
                out.put("warmup_steps", settings.warmupSteps());
                out.put("step_seconds", times.seconds);
                out.put("losses", times.losses);
                out.put("train_loss", result.trainLoss());
                PeakMemory memory = PeakMemory.ofThisJvm();
                out.put("memory", memory.toJson());
                Files.writeString(Path.of(args[1]), Json.writeIndented(out));
                List<Double> measured = times.seconds.subList(settings.warmupSteps(), times.seconds.size());
                System.err.printf("Kiln %s, %d threads: %.1f tokens/s (mean of %d steps after %d warm-up), "
                        + "peak RSS %d MiB; %s%n", trainType, settings.threads(),
                        settings.seq() * measured.size() / measured.stream().mapToDouble(d -> d).sum(),
                        measured.size(), settings.warmupSteps(),
                        memory.vmHwmBytes() >> 20, out.get("setup"));
            }
        }
    }

    /**
     * ms-swift's LoRA settings as the benchmark fixes them (r 8, alpha 32, all linear layers,
     * dropout 0.05, its default), or a full fine-tuning of every parameter.
     */
    private static Map<String, Object> tunerArguments(boolean full, TrainingSettings settings) {
        Map<String, Object> arguments = new LinkedHashMap<>();
        arguments.put("model", settings.model().toString());
        if (!full) {
            arguments.put("lora_rank", 8);
            arguments.put("lora_alpha", 32);
            arguments.put("lora_dropout", 0.05);
            arguments.put("target_modules", List.of("all-linear"));
        }
        return arguments;
    }

    /**
     * ms-swift's defaults (rate 1e-5 full, 1e-4 LoRA; AdamW β (0.9, 0.95), decay 0.1, clipping
     * at 1, cosine schedule), batch 1 without accumulation, gradient checkpointing off.
     */
    private static TrainingArguments arguments(boolean full, TrainingSettings settings) {
        return TrainingArguments.builder()
                .learningRate(full ? 1e-5 : 1e-4)
                .maxSteps(settings.warmupSteps() + settings.steps())
                .gradientAccumulationSteps(1)
                .loggingSteps(Integer.MAX_VALUE)
                .saveSteps(Integer.MAX_VALUE)
                .evalSteps(Integer.MAX_VALUE)
                .gradientCheckpointing(false)
                .build();
    }

    /** The trainer's report of every step. */
    private static final class StepTimes implements TrainingListener {
        final List<Double> seconds = new ArrayList<>();
        final List<Double> losses = new ArrayList<>();

        @Override
        public void onStep(StepReport report) {
            seconds.add(report.seconds());
            losses.add(report.loss());
            System.err.printf("  Kiln step %d/%d: %.3f s, loss %.4f%n", report.step(), report.totalSteps(),
                    report.seconds(), report.loss());
        }
    }
}
