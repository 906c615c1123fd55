package dev.kiln.core.train.job;

import dev.kiln.api.backend.Device;
import dev.kiln.api.chat.ChatTemplate;
import dev.kiln.api.command.CommandException;
import dev.kiln.api.command.Invocation;
import dev.kiln.api.data.DatasetException;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.api.tuner.Tuner;
import dev.kiln.api.tuner.Tuner.TunedModel;
import dev.kiln.core.backend.LiveJobs;
import dev.kiln.core.data.BatchOptions;
import dev.kiln.core.data.DataPipeline;
import dev.kiln.core.data.EncodeOptions;
import dev.kiln.core.data.LoadOptions;
import dev.kiln.core.data.LossScale;
import dev.kiln.core.data.PreparedData;
import dev.kiln.core.data.SampleEncoder;
import dev.kiln.core.data.TruncationStrategy;
import dev.kiln.core.model.LoadedModel;
import dev.kiln.core.model.ModelLoader;
import dev.kiln.core.model.TorchDtype;
import dev.kiln.core.train.BaseModel;
import dev.kiln.core.train.CheckpointReader;
import dev.kiln.core.train.CheckpointWriter;
import dev.kiln.core.train.LearningRateSchedule;
import dev.kiln.core.train.LossCurve;
import dev.kiln.core.train.ProgressLine;
import dev.kiln.core.train.RunDirectory;
import dev.kiln.core.train.StopRequest;
import dev.kiln.core.train.Trainer;
import dev.kiln.core.train.TrainingArguments;
import dev.kiln.core.train.TrainingListener;
import dev.kiln.core.train.TrainingLog;
import dev.kiln.core.train.TrainingResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One {@code kiln sft} or {@code kiln pt} run: resolves the arguments, loads (or, for a
 * directory with config.json only, initializes) the model, applies the tuner, prepares the data,
 * trains with progress, logging.jsonl and checkpoints in a new run directory, draws the loss
 * curve and says where everything went. {@code pt} encodes plain text with loss on every token;
 * {@code sft} renders conversations with the chat template.
 */
public final class TrainingJob {

    private final TrainingServices services;
    private final LiveJobs liveJobs;
    private final boolean pretraining;

    /**
     * @param liveJobs where the run registers, so that {@code kiln backend use} can move it to
     *     another backend between two steps, and a leaving backend moves it off first
     */
    public TrainingJob(TrainingServices services, LiveJobs liveJobs, boolean pretraining) {
        this.services = services;
        this.liveJobs = liveJobs;
        this.pretraining = pretraining;
    }

    public int run(Invocation in) throws Exception {
        ResolvedArguments args = arguments(in);
        PrintStream err = in.err();
        try {
            return train(in, args, err);
        } catch (DatasetException | IOException | IllegalArgumentException | UnsupportedOperationException e) {
            throw new CommandException(e.getMessage(), e);
        }
    }

    private ResolvedArguments arguments(Invocation in) throws CommandException {
        List<Option> table = TrainOptions.table(pretraining);
        Optional<Path> config = in.option("--config", String.class)
                .map(p -> in.workingDirectory().resolve(p).normalize());
        YamlConfig yaml = null;
        if (config.isPresent()) {
            try {
                yaml = YamlConfig.read(config.get());
            } catch (IOException | IllegalArgumentException e) {
                throw new CommandException(e.getMessage(), CommandException.USAGE);
            }
        }
        ResolvedArguments args = ResolvedArguments.resolve(table, in, yaml);
        String where = yaml == null ? "" : " (on the command line or in " + yaml.file() + ")";
        if (args.string("model").isEmpty()) {
            throw new CommandException("--model is required" + where, CommandException.USAGE);
        }
        if (args.list("dataset").isEmpty()) {
            throw new CommandException("--dataset is required" + where, CommandException.USAGE);
        }
        return args;
    }

    private int train(Invocation in, ResolvedArguments args, PrintStream err) throws Exception {
        String trainType = args.string("train_type").orElseThrow();
        Tuner tuner = services.tuner(trainType);
        boolean full = trainType.equals("full");
        long seed = args.longValue("seed").orElseThrow();
        TrainingArguments training = trainingArguments(args, full);
        Optional<Path> resume = args.path("resume_from_checkpoint");
        if (resume.isPresent() && !Files.isDirectory(resume.get())) {
            throw new CommandException("--resume_from_checkpoint " + resume.get() + ": no such directory");
        }
        String modelName = args.string("model").orElseThrow();
        Path modelPath = ModelLocations.resolve(modelName, args.bool("use_hf").orElse(true),
                in.workingDirectory(), err);
        Device opened;
        try {
            opened = services.backends().open(args.string("device").orElse(null));
        } catch (IllegalStateException e) {
            throw new CommandException("--device: " + e.getMessage());
        }
        try (LiveJobs.Job job = liveJobs.start((pretraining ? "pt " : "sft ") + modelName, opened)) {
            return train(in, args, err, new Plan(trainType, tuner, full, seed, training, resume, modelName, modelPath),
                    job.device());
        }
    }

    /** What {@link #train(Invocation, ResolvedArguments, PrintStream)} resolved before the device opened. */
    private record Plan(String trainType, Tuner tuner, boolean full, long seed, TrainingArguments training,
            Optional<Path> resume, String modelName, Path modelPath) {}

    private int train(Invocation in, ResolvedArguments args, PrintStream err, Plan plan, Device device)
            throws Exception {
        String trainType = plan.trainType();
        Tuner tuner = plan.tuner();
        boolean full = plan.full();
        long seed = plan.seed();
        TrainingArguments training = plan.training();
        Optional<Path> resume = plan.resume();
        String modelName = plan.modelName();
        Path modelPath = plan.modelPath();
        TensorOps ops = services.engine().on(device);
        ModelLoader loader = new ModelLoader(services.families(), services.formats());
        TorchDtype dtype = full ? TorchDtype.FLOAT32
                : TorchDtype.parse(args.string("torch_dtype").orElseThrow());
        boolean fromScratch = !loader.hasWeights(modelPath);
        LoadedModel loaded = fromScratch ? loader.create(modelPath, ops, seed)
                : loader.load(modelPath, ops, dtype);
        try {
            err.println("kiln: " + loaded.summary() + " on " + device.name() + (fromScratch
                    ? "; no weights in " + modelPath + ": initialized from config.json, seed " + seed
                    : ""));
            loaded.warnings().forEach(w -> err.println("kiln: warning: " + w));
            Tokenizer tokenizer = services.tokenizer(modelPath);
            checkVocabulary(tokenizer, loaded);
            Map<String, Object> tunerArguments = args.givenValues(TrainOptions.TUNER_OPTIONS);
            String nameOrPath = ModelLocations.nameOrPath(modelName, modelPath, in.workingDirectory());
            tunerArguments.put("model", nameOrPath);
            TunedModel tuned = tuner.apply(loaded.model(), tunerArguments, ops, seed);
            long trainable = tuned.trainableParameters().values().stream()
                    .mapToLong(t -> t.shape().numel()).sum();
            err.println(String.format(Locale.ROOT, "kiln: %s: %,d trainable parameters", trainType,
                    trainable));
            PreparedData data = prepareData(in, args, tokenizer, modelPath, loaded, seed, training);
            data.reports().forEach(r -> err.println("kiln: dataset " + r));
            data.skippedRows().forEach(r -> err.println("kiln: skipped " + r));
            err.println("kiln: encoded " + data.trainStats());
            if (resume.isPresent()) {
                CheckpointReader.restoreWeights(resume.get(), tuned, ops, services.safetensors());
            }
            Path runDir = runDirectory(args);
            Map<String, Object> argsJson = args.toJson();
            argsJson.put("model", nameOrPath);
            argsJson.put("command", pretraining ? "pt" : "sft");
            argsJson.putAll(resolvedDefaults(training, args));
            CheckpointWriter.writeJson(runDir.resolve("args.json"), argsJson);
            CheckpointWriter checkpoints = new CheckpointWriter(runDir, tuned,
                    new BaseModel(loaded.config().values(),
                            Files.isDirectory(modelPath) ? Optional.of(modelPath) : Optional.empty(),
                            nameOrPath),
                    services.safetensors(), ops, argsJson, args.integer("save_total_limit").orElse(0),
                    seed);
            return trainAndReport(in, args, ops, loaded, tuned, data, training, checkpoints, runDir,
                    resume, full);
        } finally {
            loaded.close();
        }
    }

    @SuppressWarnings("try") // the signal handlers act while installed
    private int trainAndReport(Invocation in, ResolvedArguments args, TensorOps ops, LoadedModel loaded,
            TunedModel tuned, PreparedData data, TrainingArguments training,
            CheckpointWriter checkpoints, Path runDir, Optional<Path> resume, boolean full)
            throws Exception {
        PrintStream err = in.err();
        StopRequest stop = new StopRequest();
        try (TrainingLog log = new TrainingLog(runDir)) {
            List<TrainingListener> listeners = List.of(new ProgressLine(err, isTerminal()), log);
            Trainer trainer = new Trainer(ops, loaded.model(), tuned, data.train(), data.validation(),
                    training, args.integer("per_device_train_batch_size").orElseThrow(), checkpoints,
                    listeners, stop);
            err.println("kiln: training; run directory " + runDir);
            TrainingResult result;
            try (InterruptSignals signals = InterruptSignals.install(stop, err)) {
                result = resume.isPresent()
                        ? trainer.resume(CheckpointReader.read(resume.get(), tuned, services.safetensors()))
                        : trainer.train();
            }
            Path curve = LossCurve.write(runDir, result.state().logHistory());
            summary(in.out(), result, runDir, log.file(), curve, full);
            return result.interrupted() ? 130 : 0;
        }
    }

    private void summary(PrintStream out, TrainingResult result, Path runDir, Path log, Path curve,
            boolean full) {
        long steps = result.state().globalStep();
        out.println(String.format(Locale.ROOT, "kiln: %s %d of %d steps in %s%s",
                result.interrupted() ? "stopped after" : "trained", steps, result.state().maxSteps(),
                ProgressLine.duration(result.runtimeSeconds()),
                Double.isFinite(result.trainLoss())
                        ? String.format(Locale.ROOT, ", mean loss %.4f", result.trainLoss()) : ""));
        out.println("kiln: run directory   " + runDir);
        result.lastCheckpoint().ifPresent(c -> out.println("kiln: last checkpoint " + c));
        if (result.state().bestMetric() != null) {
            out.println(String.format(Locale.ROOT, "kiln: best eval loss  %.4f", result.state().bestMetric()));
        }
        out.println("kiln: logging         " + log);
        out.println("kiln: loss curve      " + curve);
        result.lastCheckpoint().ifPresent(c -> {
            if (full) {
                out.println("kiln: next: kiln infer --model " + c);
            } else {
                out.println("kiln: next: kiln infer --adapters " + c);
                out.println("kiln:       kiln export --adapters " + c + " --merge_lora true");
            }
            if (result.interrupted()) {
                out.println("kiln:       kiln " + (pretraining ? "pt" : "sft") + " ... --resume_from_checkpoint " + c);
            }
        });
    }

    /** The trainer's hyper-parameters, with ms-swift's defaults that depend on other options. */
    private static TrainingArguments trainingArguments(ResolvedArguments args, boolean full)
            throws CommandException {
        int batch = args.integer("per_device_train_batch_size").orElseThrow();
        if (batch < 1) {
            throw new CommandException("--per_device_train_batch_size " + batch + ": must be at least 1",
                    CommandException.USAGE);
        }
        int saveSteps = args.integer("save_steps").orElseThrow();
        try {
            return TrainingArguments.builder()
                    .learningRate(args.decimal("learning_rate").orElse(full ? 1e-5 : 1e-4))
                    .weightDecay(args.decimal("weight_decay").orElseThrow())
                    .adamBeta1(args.decimal("adam_beta1").orElseThrow())
                    .adamBeta2(args.decimal("adam_beta2").orElseThrow())
                    .adamEpsilon(args.decimal("adam_epsilon").orElseThrow())
                    .maxGradNorm(args.decimal("max_grad_norm").orElseThrow())
                    .lrSchedulerType(LearningRateSchedule.Type.parse(args.string("lr_scheduler_type").orElseThrow()))
                    .warmupRatio(args.decimal("warmup_ratio").orElseThrow())
                    .warmupSteps(args.integer("warmup_steps").orElseThrow())
                    .numTrainEpochs(args.decimal("num_train_epochs").orElseThrow())
                    .maxSteps(args.longValue("max_steps").orElseThrow())
                    .gradientAccumulationSteps(args.integer("gradient_accumulation_steps")
                            .orElse((16 + batch - 1) / batch))
                    .loggingSteps(args.integer("logging_steps").orElseThrow())
                    .saveSteps(saveSteps)
                    .evalSteps(args.integer("eval_steps").orElse(saveSteps))
                    .saveTotalLimit(args.integer("save_total_limit").orElse(0))
                    .seed(args.longValue("seed").orElseThrow())
                    .gradientCheckpointing(args.bool("gradient_checkpointing").orElseThrow())
                    .build();
        } catch (IllegalArgumentException e) {
            throw new CommandException(e.getMessage(), CommandException.USAGE);
        }
    }

    /** The defaults the job resolved, for args.json. */
    private static Map<String, Object> resolvedDefaults(TrainingArguments training,
            ResolvedArguments args) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("learning_rate", training.learningRate());
        out.put("gradient_accumulation_steps", training.gradientAccumulationSteps());
        out.put("eval_steps", training.evalSteps());
        out.put("data_seed", args.longValue("data_seed").orElse(args.longValue("seed").orElseThrow()));
        return out;
    }

    private PreparedData prepareData(Invocation in, ResolvedArguments args, Tokenizer tokenizer,
            Path modelPath, LoadedModel loaded, long seed, TrainingArguments training)
            throws IOException, DatasetException {
        long dataSeed = args.longValue("data_seed").orElse(seed);
        LoadOptions load = LoadOptions.of(args.list("dataset"))
                .withValDatasets(args.list("val_dataset"))
                .withSplitDatasetRatio(args.decimal("split_dataset_ratio").orElseThrow())
                .withSeed(dataSeed)
                .withStrict(args.bool("strict").orElseThrow())
                .withModelName(args.list("model_name"))
                .withModelAuthor(args.list("model_author"));
        int maxLength = args.integer("max_length").orElseGet(() -> loaded.config()
                .integer("max_position_embeddings").or(() -> loaded.config().integer("n_positions"))
                .orElse(2048));
        EncodeOptions encode = (pretraining
                ? EncodeOptions.pretraining(maxLength, eos(tokenizer))
                : EncodeOptions.sft(maxLength).withDefaultSystem(args.string("system").orElse(null)))
                .withTruncation(TruncationStrategy.parse(args.string("truncation_strategy").orElseThrow()))
                .withLossScale(LossScale.parse(args.string("loss_scale").orElseThrow()));
        SampleEncoder encoder;
        if (pretraining) {
            encoder = SampleEncoder.plain(tokenizer, encode);
        } else {
            ChatTemplate template = services.chatTemplate(modelPath, tokenizer,
                    args.string("template").orElse(null));
            encoder = SampleEncoder.chat(tokenizer, template, encode);
        }
        int padId = tokenizer.specialTokens().pad().orElse(eos(tokenizer).orElse(0));
        BatchOptions train = BatchOptions.training(args.integer("per_device_train_batch_size").orElseThrow(),
                maxLength, padId, dataSeed)
                .withPacking(args.bool("packing").orElseThrow())
                .withGroupByLength(args.bool("group_by_length").orElseThrow());
        BatchOptions eval = BatchOptions.evaluation(args.integer("per_device_eval_batch_size").orElseThrow(),
                maxLength, padId);
        DataPipeline pipeline = new DataPipeline(services.datasetSources(), services.rowFormats());
        if (args.bool("streaming").orElseThrow()) {
            if (training.maxSteps() < 1) {
                throw new IllegalArgumentException("--streaming true: give --max_steps (a streamed"
                        + " dataset's size is not known before training)");
            }
            return pipeline.prepareStreaming(load, encoder, train, eval,
                    DataPipeline.DEFAULT_SHUFFLE_BUFFER, in.workingDirectory());
        }
        return pipeline.prepare(load, encoder, train, eval, in.workingDirectory());
    }

    private static OptionalInt eos(Tokenizer tokenizer) {
        return tokenizer.specialTokens().eos().stream().mapToInt(Integer::intValue).min();
    }

    /** A tokenizer with ids beyond the model's embedding would fail mid-training: fail now. */
    private static void checkVocabulary(Tokenizer tokenizer, LoadedModel loaded) {
        Optional<Integer> vocab = loaded.config().integer("vocab_size");
        if (vocab.isPresent() && tokenizer.vocabSize() > vocab.get()) {
            throw new IllegalArgumentException(loaded.location() + ": the tokenizer has "
                    + tokenizer.vocabSize() + " tokens, more than the model's vocab_size "
                    + vocab.get() + " (" + loaded.config().origin() + ")");
        }
    }

    private static Path runDirectory(ResolvedArguments args) throws IOException {
        Path output = args.path("output_dir").orElseThrow();
        if (args.bool("add_version").orElseThrow()) {
            return RunDirectory.create(output, LocalDateTime.now());
        }
        return Files.createDirectories(output);
    }

    private static boolean isTerminal() {
        java.io.Console console = System.console();
        return console != null && console.isTerminal();
    }
}
