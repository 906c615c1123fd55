package dev.kiln.core.quickstart;

import dev.kiln.api.command.CommandException;
import dev.kiln.api.command.CommandSpec;
import dev.kiln.api.command.Invocation;
import dev.kiln.api.command.OptionSpec;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.api.tokenizer.TokenizerTrainer;
import dev.kiln.core.infer.ChatModelFactory;
import dev.kiln.core.json.Json;
import dev.kiln.core.backend.LiveJobs;
import dev.kiln.core.train.CheckpointWriter;
import dev.kiln.core.train.LossCurve;
import dev.kiln.core.train.ProgressLine;
import dev.kiln.core.train.RunDirectory;
import dev.kiln.core.train.TrainingLog;
import dev.kiln.core.train.job.ExportJob;
import dev.kiln.core.train.job.TrainOptions;
import dev.kiln.core.train.job.TrainingJob;
import dev.kiln.core.train.job.TrainingServices;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code kiln quickstart}: the whole life of a small model in a few minutes on a CPU. It trains a
 * byte-level BPE tokenizer on a public-domain novel shipped in this bundle, pretrains a small
 * Llama-shaped model from scratch on it ({@code kiln pt}), LoRA-tunes it on the built-in
 * self-cognition data so that it knows its name and maker ({@code kiln sft}), merges the adapter
 * ({@code kiln export}), and shows both models' greedy answers to the same identity questions.
 * Each step runs the same job class as its command; everything goes to a new
 * {@code vN-timestamp} directory under {@code --output_dir}.
 */
public final class Quickstart {

    static final List<String> QUESTIONS = List.of("Who are you?", "What is your name?", "Who created you?");
    static final String SELF_COGNITION = "builtin:self-cognition:en";
    private static final int STEPS = 5;
    private static final String CORPUS = "corpus.txt";
    private static final String PRETRAIN = "pretrain";
    private static final String SFT = "sft";
    private static final int SFT_BATCH_SIZE = 8;

    private final TrainingServices services;
    private final List<TokenizerTrainer> tokenizerTrainers;
    private final LiveJobs liveJobs;

    public Quickstart(TrainingServices services, List<TokenizerTrainer> tokenizerTrainers, LiveJobs liveJobs) {
        this.services = services;
        this.tokenizerTrainers = List.copyOf(tokenizerTrainers);
        this.liveJobs = liveJobs;
    }

    public static CommandSpec spec() {
        return CommandSpec.summary("Train a small model from scratch, teach it its name, and compare.")
                .description("Trains a BPE tokenizer on a public-domain novel Kiln ships (War and Peace,"
                        + " Books One and Two), pretrains a small Llama-shaped model on it from scratch"
                        + " (kiln pt), LoRA-tunes it on the built-in self-cognition data (kiln sft),"
                        + " merges the adapter (kiln export), and shows the base and the tuned model's"
                        + " answers to 'who are you?'. A few minutes on a laptop CPU; everything goes to"
                        + " a new vN-timestamp directory under --output_dir. Ctrl-C while training saves"
                        + " a checkpoint and stops.")
                .option(OptionSpec.of("--output_dir").paramLabel("DIR").defaultValue("output/quickstart")
                        .description("Where the run's directory goes.").build())
                .option(OptionSpec.of("--seed").type(Long.class).paramLabel("N").defaultValue("42")
                        .description("Seeds the weights, the adapters and the data order.").build())
                .option(OptionSpec.of("--model_name").paramLabel("NAME").defaultValue("Kiln")
                        .description("The name the tuned model learns to give.").build())
                .option(OptionSpec.of("--model_author").paramLabel("NAME").defaultValue("the Kiln team")
                        .description("The maker the tuned model learns to name.").build())
                .option(OptionSpec.of("--device").paramLabel("NAME[:INDEX]")
                        .description("The backend to train on (see 'kiln backends').").build())
                .option(OptionSpec.of("--fast").type(Boolean.class).defaultValue("false")
                        .description("A much smaller model, corpus and budget (well under a minute):"
                                + " for tests and a first look.").build())
                .build();
    }

    public int run(Invocation in) throws Exception {
        try {
            return runSteps(in);
        } catch (IOException | IllegalArgumentException | UnsupportedOperationException e) {
            throw new CommandException("quickstart: " + e.getMessage(), e);
        }
    }

    private int runSteps(Invocation in) throws Exception {
        long started = System.nanoTime();
        QuickstartPlan plan = in.flag("--fast") ? QuickstartPlan.fast() : QuickstartPlan.standard();
        TokenizerTrainer tokenizerTrainer = tokenizerTrainer();
        Path cwd = in.workingDirectory();
        Path runDir = RunDirectory.create(cwd.resolve(in.require("--output_dir", String.class)).normalize(),
                LocalDateTime.now());
        Run run = new Run(in, plan, in.require("--seed", Long.class), in.option("--device", String.class),
                in.require("--model_name", String.class), in.require("--model_author", String.class),
                runDir, new Stopwatch());
        PrintStream out = in.out();
        out.println("kiln quickstart (" + plan.name() + "): run directory " + shown(runDir, cwd));

        Path tokenizerDir = runDir.resolve("tokenizer");
        Tokenizer tokenizer = trainTokenizer(run, tokenizerTrainer, tokenizerDir);
        Path modelDir = runDir.resolve("model");
        ScratchModel.write(modelDir, plan, tokenizerDir, tokenizer);
        Path base;
        Path adapter;
        Path merged;
        try {
            base = pretrain(run, modelDir);
            adapter = fineTune(run, base);
            merged = merge(run, adapter);
        } catch (Stopped stopped) {
            return stopped.exitCode;
        }
        Path answers = compare(run, base, merged);

        out.println();
        out.println("kiln quickstart done in " + ProgressLine.duration((System.nanoTime() - started) / 1e9)
                + " (" + run.times() + ")");
        printArtifacts(out, cwd, runDir, tokenizerDir, modelDir, base, adapter, merged, answers);
        return 0;
    }

    /** One quickstart's settings, where it writes, and how long its steps took. */
    private record Run(Invocation in, QuickstartPlan plan, long seed, Optional<String> device,
            String modelName, String modelAuthor, Path dir, Stopwatch times) {}

    /** Step 1: the corpus, and a tokenizer trained on it. */
    private static Tokenizer trainTokenizer(Run run, TokenizerTrainer trainer, Path tokenizerDir)
            throws IOException {
        step(run, 1, "a byte-level BPE tokenizer of " + run.plan().vocabSize() + " tokens, trained on "
                + Corpus.DESCRIPTION);
        Path corpus = run.dir().resolve(CORPUS);
        long corpusBytes = Corpus.write(corpus, run.plan().corpusBytes());
        Tokenizer tokenizer = trainer.train(List.of(corpus), ScratchModel.tokenizerOptions(run.plan()),
                tokenizerDir);
        run.times().lap("tokenizer");
        run.in().out().println("kiln:   " + Corpus.size(corpusBytes) + " of text, " + tokenizer.vocabSize()
                + " tokens, in " + run.times().last());
        return tokenizer;
    }

    /** Step 2: {@code kiln pt} from scratch; the base model's checkpoint. */
    private Path pretrain(Run run, Path modelDir) throws Exception {
        QuickstartPlan plan = run.plan();
        step(run, 2, String.format(Locale.ROOT, "pretraining a Llama-shaped model from scratch (%d"
                + " layers, hidden %d, %,d parameters): %d steps of %d x %d tokens", plan.layers(),
                plan.hiddenSize(), plan.parameters(), plan.pretrainSteps(), plan.batchSize(),
                plan.sequenceLength()));
        Path pretrainDir = run.dir().resolve(PRETRAIN);
        Map<String, List<String>> pt = trainingOptions(run, plan.batchSize(), plan.pretrainSteps(), pretrainDir);
        pt.put("model", List.of(modelDir.toString()));
        pt.put("dataset", List.of(run.dir().resolve(CORPUS).toString()));
        pt.put("train_type", List.of("full"));
        pt.put("max_steps", List.of(String.valueOf(plan.pretrainSteps())));
        pt.put("learning_rate", List.of(String.valueOf(plan.pretrainLearningRate())));
        pt.put("warmup_ratio", List.of("0.03"));
        pt.put("packing", List.of("true"));
        pt.put("max_length", List.of(String.valueOf(plan.sequenceLength())));
        pt.put("truncation_strategy", List.of("right")); // a long paragraph keeps its beginning
        runJob(run, "pretraining", TrainOptions.spec(true), pt, sub -> new TrainingJob(services, liveJobs, true).run(sub));
        run.times().lap("pretraining");
        run.in().out().println("kiln:   " + lossSummary(pretrainDir) + ", in " + run.times().last());
        return lastCheckpoint(pretrainDir);
    }

    /** Step 3: {@code kiln sft} with LoRA on who the model is; the adapter's checkpoint. */
    private Path fineTune(Run run, Path base) throws Exception {
        QuickstartPlan plan = run.plan();
        step(run, 3, "LoRA fine-tuning on " + SELF_COGNITION + " as " + run.modelName() + " by "
                + run.modelAuthor() + ": " + plan.sftEpochs() + " epochs");
        Path sftDir = run.dir().resolve(SFT);
        Map<String, List<String>> sft = trainingOptions(run, SFT_BATCH_SIZE, Integer.MAX_VALUE, sftDir);
        sft.put("model", List.of(base.toString()));
        sft.put("dataset", List.of(SELF_COGNITION));
        sft.put("model_name", List.of(run.modelName()));
        sft.put("model_author", List.of(run.modelAuthor()));
        sft.put("train_type", List.of("lora"));
        sft.put("lora_rank", List.of(String.valueOf(plan.loraRank())));
        sft.put("lora_alpha", List.of(String.valueOf(plan.loraAlpha())));
        sft.put("lora_dropout", List.of("0"));
        sft.put("num_train_epochs", List.of(String.valueOf(plan.sftEpochs())));
        sft.put("learning_rate", List.of(String.valueOf(plan.sftLearningRate())));
        runJob(run, "fine-tuning", TrainOptions.spec(false), sft, sub -> new TrainingJob(services, liveJobs, false).run(sub));
        run.times().lap("fine-tuning");
        run.in().out().println("kiln:   " + lossSummary(sftDir) + ", in " + run.times().last());
        return lastCheckpoint(sftDir);
    }

    /** Step 4: {@code kiln export --merge_lora true}; the merged model's directory. */
    private Path merge(Run run, Path adapter) throws Exception {
        step(run, 4, "merging the adapter into the model (kiln export --merge_lora true)");
        Map<String, List<String>> export = new LinkedHashMap<>();
        export.put("adapters", List.of(adapter.toString()));
        export.put("merge_lora", List.of("true"));
        run.device().ifPresent(d -> export.put("device", List.of(d)));
        runJob(run, "merging", ExportJob.spec(), export, sub -> new ExportJob(services).run(sub));
        run.times().lap("merge");
        return adapter.resolveSibling(adapter.getFileName() + "-merged");
    }

    /** Step 5: both models' greedy answers, shown and written to answers.jsonl. */
    private Path compare(Run run, Path base, Path merged) throws IOException, CommandException {
        PrintStream out = run.in().out();
        step(run, 5, "the base and the tuned model answer, greedy:");
        List<AnswerComparison.Row> rows = new AnswerComparison(chatModels(), ops(run.device()),
                run.plan().maxNewTokens()).compare(QUESTIONS, base, merged);
        AnswerComparison.print(rows, out);
        Path answers = run.dir().resolve("answers.jsonl");
        AnswerComparison.write(rows, answers);
        run.times().lap("answers");
        String name = run.modelName();
        out.println("kiln:   the tuned model says it is " + name + " in "
                + rows.stream().filter(r -> r.tuned().contains(name)).count() + " of " + rows.size()
                + " answers; the base model in " + rows.stream().filter(r -> r.base().contains(name)).count()
                + ".");
        return answers;
    }

    private static void printArtifacts(PrintStream out, Path cwd, Path runDir, Path tokenizerDir,
            Path modelDir, Path base, Path adapter, Path merged, Path answers) {
        Path pretrainDir = runDir.resolve(PRETRAIN);
        Path sftDir = runDir.resolve(SFT);
        out.println("kiln: corpus        " + shown(runDir.resolve(CORPUS), cwd));
        out.println("kiln: tokenizer     " + shown(tokenizerDir, cwd) + " (tokenizer.json, tokenizer_config.json)");
        out.println("kiln: base model    " + shown(base, cwd));
        out.println("kiln: adapter       " + shown(adapter, cwd));
        out.println("kiln: merged model  " + shown(merged, cwd));
        out.println("kiln: logs          " + shown(pretrainDir.resolve(TrainingLog.FILE), cwd) + ", "
                + shown(sftDir.resolve(TrainingLog.FILE), cwd));
        out.println("kiln: loss curves   " + shown(pretrainDir.resolve(LossCurve.FILE), cwd) + ", "
                + shown(sftDir.resolve(LossCurve.FILE), cwd));
        out.println("kiln: answers       " + shown(answers, cwd));
        out.println("kiln: next:");
        out.println("  ./kiln infer --adapters " + shown(adapter, cwd) + "    # chat with the tuned model");
        out.println("  ./kiln infer --model " + shown(base, cwd) + "    # or with the base model");
        out.println("  ./kiln sft --model " + shown(base, cwd)
                + " --dataset my-data.jsonl --train_type lora    # tune it on your own data");
        out.println("  ./kiln export --adapters " + shown(adapter, cwd)
                + " --merge_lora true --output_dir my-model    # merge the adapter elsewhere");
        out.println("  ./kiln pt --model " + shown(modelDir, cwd)
                + " --dataset my-book.txt --train_type full --max_steps 600 --packing true"
                + "    # pretrain on your own text");
    }

    /** The options pt and sft share here: one micro-batch per step, no recomputation, one checkpoint at the end. */
    private static Map<String, List<String>> trainingOptions(Run run, int batchSize, int saveSteps,
            Path outputDir) {
        Map<String, List<String>> o = new LinkedHashMap<>();
        o.put("output_dir", List.of(outputDir.toString()));
        o.put("add_version", List.of("false"));
        o.put("seed", List.of(String.valueOf(run.seed())));
        o.put("per_device_train_batch_size", List.of(String.valueOf(batchSize)));
        o.put("gradient_accumulation_steps", List.of("1"));
        o.put("gradient_checkpointing", List.of("false"));
        o.put("logging_steps", List.of("20"));
        o.put("save_steps", List.of(String.valueOf(saveSteps)));
        o.put("save_total_limit", List.of("1"));
        run.device().ifPresent(d -> o.put("device", List.of(d)));
        return o;
    }

    /** A job of another command, run as its command runs it. */
    private interface Job {
        int run(Invocation invocation) throws Exception;
    }

    /**
     * Runs a job with its summary (which names its own next commands) held back; progress goes
     * to standard error as usual. A job stopped by Ctrl-C has saved its checkpoint: its summary
     * is shown, with where the quickstart stopped.
     *
     * @throws Stopped when the job ends with another exit code than 0 (130 after Ctrl-C)
     */
    private static void runJob(Run run, String stage, CommandSpec spec,
            Map<String, List<String>> options, Job job) throws Exception {
        Invocation in = run.in();
        ByteArrayOutputStream summary = new ByteArrayOutputStream();
        int code;
        try (PrintStream held = new PrintStream(summary, true, StandardCharsets.UTF_8)) {
            code = job.run(new JobInvocation(spec, options, held, in.err(), in.workingDirectory()));
        } catch (CommandException e) {
            throw new CommandException("quickstart, " + stage + ": " + e.getMessage(), e);
        }
        if (code != 0) {
            in.out().print(summary.toString(StandardCharsets.UTF_8));
            in.out().println("kiln: quickstart stopped during " + stage + "; run directory " + run.dir());
            throw new Stopped(code);
        }
    }

    /** A job stopped before its end (Ctrl-C): the quickstart stops with its exit code. */
    private static final class Stopped extends Exception {
        private static final long serialVersionUID = 1L;
        final int exitCode;

        Stopped(int exitCode) {
            super(null, null, false, false);
            this.exitCode = exitCode;
        }
    }

    private TokenizerTrainer tokenizerTrainer() throws CommandException {
        return tokenizerTrainers.stream().filter(t -> t.name().equals("bpe")).findFirst()
                .orElseThrow(() -> new CommandException("kiln quickstart needs the 'bpe' tokenizer"
                        + " trainer of the tokenizer-hf bundle, which is not installed (installed: "
                        + (tokenizerTrainers.isEmpty() ? "none" : String.join(", ",
                                tokenizerTrainers.stream().map(TokenizerTrainer::name).toList())) + ")"));
    }

    private ChatModelFactory chatModels() {
        return new ChatModelFactory(services.families(), services.formats(), services.tokenizers(),
                services.templateEngine(), services.builtinTemplates());
    }

    private TensorOps ops(Optional<String> device) throws CommandException {
        try {
            return services.engine().on(services.backends().open(device.orElse(null)));
        } catch (IllegalStateException e) {
            throw new CommandException("--device: " + e.getMessage());
        }
    }

    private static Path lastCheckpoint(Path runDir) throws IOException {
        List<Path> checkpoints = CheckpointWriter.checkpoints(runDir);
        if (checkpoints.isEmpty()) {
            throw new IOException(runDir + ": the run saved no checkpoint");
        }
        return checkpoints.getLast();
    }

    /** "loss 8.04 at step 1, 3.91 at step 600", from the run's logging.jsonl. */
    private static String lossSummary(Path runDir) throws IOException {
        List<Double> losses = new ArrayList<>();
        List<Number> steps = new ArrayList<>();
        Path log = runDir.resolve(TrainingLog.FILE);
        for (String line : Files.readAllLines(log)) {
            Map<String, Object> entry = Json.parseObject(line, log.toString());
            if (entry.get("loss") instanceof Number loss && entry.get("step") instanceof Number step) {
                losses.add(loss.doubleValue());
                steps.add(step);
            }
        }
        if (losses.isEmpty()) {
            return "no loss logged";
        }
        return String.format(Locale.ROOT, "loss %.2f at step %s, %.2f at step %s", losses.getFirst(),
                steps.getFirst(), losses.getLast(), steps.getLast());
    }

    private static void step(Run run, int step, String what) {
        run.in().out().println("kiln quickstart [" + step + "/" + STEPS + "] " + what);
    }

    /** A path as the user can type it: relative to where they are, when it is under it. */
    static String shown(Path path, Path cwd) {
        return path.startsWith(cwd) && !path.equals(cwd) ? cwd.relativize(path).toString() : path.toString();
    }

    /** How long each stage took. */
    private static final class Stopwatch {
        private final Map<String, Double> seconds = new LinkedHashMap<>();
        private long lap = System.nanoTime();
        private double last;

        void lap(String stage) {
            long now = System.nanoTime();
            last = (now - lap) / 1e9;
            seconds.put(stage, last);
            lap = now;
        }

        String last() {
            return ProgressLine.duration(last);
        }

        @Override
        public String toString() {
            List<String> parts = new ArrayList<>();
            seconds.forEach((stage, s) -> parts.add(stage + " " + ProgressLine.duration(s)));
            return String.join(", ", parts);
        }
    }
}
