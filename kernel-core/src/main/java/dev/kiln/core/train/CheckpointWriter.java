package dev.kiln.core.train;

import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tuner.Tuner.TunedModel;
import dev.kiln.api.weights.WeightFormat;
import dev.kiln.core.json.Json;
import dev.kiln.core.optim.AdamW;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Writes {@code checkpoint-STEP/} into a run directory:
 *
 * <pre>
 * adapter_config.json, adapter_model.safetensors   an adapter tuner (PEFT's layout), or
 * config.json, model.safetensors, tokenizer files, generation_config.json
 *                                                  a full fine-tune: a loadable HF directory
 * optimizer.safetensors     AdamW's moments exp_avg.NAME / exp_avg_sq.NAME per trainable
 *                           parameter (F32), their step counts in the metadata
 * scheduler.json            the schedule and its last step (torch's LambdaLR last_epoch)
 * rng_state.json            the seed and the dropout seed of the next step
 * trainer_state.json        transformers' layout, with the position in the data
 * args.json                 the run's arguments
 * </pre>
 *
 * The directory is written under a temporary name and renamed when complete, so an interrupted
 * or failed save (a full disk) leaves the checkpoints before it intact. With a
 * {@code --save_total_limit}, the oldest checkpoints beyond it are deleted after a save.
 */
public final class CheckpointWriter implements CheckpointSink {

    static final String OPTIMIZER_FILE = "optimizer.safetensors";
    static final String SCHEDULER_FILE = "scheduler.json";
    static final String RNG_FILE = "rng_state.json";
    static final String TRAINER_STATE_FILE = "trainer_state.json";
    static final String ARGS_FILE = "args.json";
    static final String ADAPTER_CONFIG = "adapter_config.json";
    static final String ADAPTER_WEIGHTS = "adapter_model.safetensors";
    static final String MODEL_WEIGHTS = ModelDirectory.WEIGHTS;
    static final String EXP_AVG = "exp_avg.";
    static final String EXP_AVG_SQ = "exp_avg_sq.";
    static final String STEP = "step.";

    private final Path runDirectory;
    private final TunedModel tuned;
    private final BaseModel base;
    private final WeightFormat safetensors;
    private final TensorOps ops;
    private final Map<String, Object> arguments;
    private final int saveTotalLimit;
    private final long seed;

    /**
     * @param safetensors the weight format that writes safetensors files
     * @param arguments the run's arguments for args.json
     * @param saveTotalLimit checkpoints to keep, 0 for all
     * @param seed the run's seed, for rng_state.json
     */
    public CheckpointWriter(Path runDirectory, TunedModel tuned, BaseModel base,
            WeightFormat safetensors, TensorOps ops, Map<String, Object> arguments,
            int saveTotalLimit, long seed) {
        this.runDirectory = Objects.requireNonNull(runDirectory, "runDirectory");
        this.tuned = Objects.requireNonNull(tuned, "tuned");
        this.base = Objects.requireNonNull(base, "base");
        this.safetensors = Objects.requireNonNull(safetensors, "safetensors");
        this.ops = Objects.requireNonNull(ops, "ops");
        this.arguments = new LinkedHashMap<>(arguments);
        this.saveTotalLimit = saveTotalLimit;
        this.seed = seed;
    }

    @Override
    public Path save(TrainerState state, AdamW optimizer, LearningRateSchedule schedule)
            throws IOException {
        String name = Trainer.checkpointName(state.globalStep());
        Path target = runDirectory.resolve(name);
        Path temporary = runDirectory.resolve("." + name + ".tmp");
        Files.createDirectories(runDirectory);
        deleteRecursively(temporary);
        try {
            Files.createDirectory(temporary);
            writeWeights(temporary);
            writeOptimizer(temporary.resolve(OPTIMIZER_FILE), optimizer);
            writeJson(temporary.resolve(SCHEDULER_FILE), scheduler(schedule, state.globalStep()));
            Map<String, Object> rng = new LinkedHashMap<>();
            rng.put("seed", seed);
            rng.put("next_step_dropout_seed", Trainer.stepSeed(seed, state.globalStep()));
            writeJson(temporary.resolve(RNG_FILE), rng);
            writeJson(temporary.resolve(TRAINER_STATE_FILE), state.toJson());
            writeJson(temporary.resolve(ARGS_FILE), arguments);
            deleteRecursively(target);
            move(temporary, target);
        } catch (IOException | RuntimeException e) {
            deleteRecursively(temporary);
            throw new IOException("cannot save " + target + ": " + e.getMessage(), e);
        }
        rotate(target);
        return target;
    }

    /** The trained weights: an adapter, or the whole model as a Hugging Face directory. */
    private void writeWeights(Path directory) throws IOException {
        Map<String, String> metadata = Map.of("format", "pt");
        Map<String, Object> adapterConfig = tuned.adapterConfig();
        if (!adapterConfig.isEmpty()) {
            Map<String, Object> config = new LinkedHashMap<>(adapterConfig);
            if (config.get("base_model_name_or_path") == null) {
                config.put("base_model_name_or_path", base.nameOrPath());
            }
            writeJson(directory.resolve(ADAPTER_CONFIG), config);
            safetensors.write(directory.resolve(ADAPTER_WEIGHTS), tuned.stateToSave(), metadata);
            return;
        }
        Map<String, Object> config = new LinkedHashMap<>(base.config());
        config.put("torch_dtype", "float32");
        ModelDirectory.write(directory, config, tuned.stateToSave(), base.directory(), safetensors);
    }

    /** The moments by trainable parameter name; parameters AdamW has not stepped yet are zero. */
    private void writeOptimizer(Path file, AdamW optimizer) throws IOException {
        AdamW.State state = optimizer.exportState();
        List<String> names = List.copyOf(tuned.trainableParameters().keySet());
        List<Tensor> parameters = optimizer.parameters();
        Map<String, Tensor> moments = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "kiln-adamw");
        metadata.put("steps", Long.toString(state.steps()));
        try {
            for (int i = 0; i < names.size(); i++) {
                AdamW.ParameterState p = state.parameters().get(i);
                Shape shape = parameters.get(i).shape();
                moments.put(EXP_AVG + names.get(i), ops.tensor(p.m(), shape));
                moments.put(EXP_AVG_SQ + names.get(i), ops.tensor(p.v(), shape));
                metadata.put(STEP + names.get(i), Long.toString(p.step()));
            }
            safetensors.write(file, moments, metadata);
        } finally {
            moments.values().forEach(Tensor::close);
        }
    }

    private static Map<String, Object> scheduler(LearningRateSchedule schedule, long step) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("lr_scheduler_type", schedule.type().label());
        json.put("base_lr", schedule.baseRate());
        json.put("warmup_steps", schedule.warmupSteps());
        json.put("num_training_steps", schedule.totalSteps());
        json.put("last_epoch", step);
        json.put("last_lr", schedule.learningRate(step));
        return json;
    }

    /** Deletes the oldest checkpoints of the run beyond the limit; never the one just written. */
    private void rotate(Path written) throws IOException {
        if (saveTotalLimit <= 0) {
            return;
        }
        List<Path> checkpoints = checkpoints(runDirectory);
        int excess = checkpoints.size() - saveTotalLimit;
        for (int i = 0; i < checkpoints.size() && excess > 0; i++) {
            if (!checkpoints.get(i).equals(written)) {
                deleteRecursively(checkpoints.get(i));
                excess--;
            }
        }
    }

    /** The {@code checkpoint-N} directories of a run, by step. */
    public static List<Path> checkpoints(Path runDirectory) throws IOException {
        List<Path> found = new ArrayList<>();
        if (!Files.isDirectory(runDirectory)) {
            return found;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(runDirectory, "checkpoint-*")) {
            for (Path entry : entries) {
                if (Files.isDirectory(entry) && step(entry) >= 0) {
                    found.add(entry);
                }
            }
        }
        found.sort(Comparator.comparingLong(CheckpointWriter::step));
        return found;
    }

    private static long step(Path checkpoint) {
        String suffix = checkpoint.getFileName().toString().substring("checkpoint-".length());
        try {
            return Long.parseLong(suffix);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Writes {@code json} indented, as Python's json.dump(indent=2), with a final newline. */
    public static void writeJson(Path file, Object json) throws IOException {
        Files.writeString(file, Json.writeIndented(json) + "\n", StandardCharsets.UTF_8);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(path)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
