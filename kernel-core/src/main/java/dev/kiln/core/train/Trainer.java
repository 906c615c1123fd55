package dev.kiln.core.train;

import dev.kiln.api.data.DatasetException;
import dev.kiln.api.model.CausalLM;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tensor.TensorScope;
import dev.kiln.api.tuner.Tuner.TunedModel;
import dev.kiln.core.data.Batch;
import dev.kiln.core.data.BatchSource;
import dev.kiln.core.data.DataPosition;
import dev.kiln.core.data.EpochBatches;
import dev.kiln.core.optim.AdamW;
import dev.kiln.core.optim.GradClipping;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The training loop of {@code kiln pt} and {@code kiln sft}, as transformers' Trainer runs it:
 *
 * <ul>
 *   <li>each optimizer step takes {@code --gradient_accumulation_steps} micro-batches (fewer at
 *       the end of an epoch: steps never span epochs), and its loss is the per-token mean over
 *       all of them: each micro-batch's summed token loss is divided by the step's trained
 *       tokens before backward (transformers' {@code num_items_in_batch}), so a micro-batch
 *       counts by its tokens, not as an equal share;
 *   <li>the global gradient norm is clipped to {@code --max_grad_norm}, then AdamW steps with
 *       the schedule's rate times each parameter's {@code TunedModel.learningRateScale}
 *       (LoRA+), decaying every trainable parameter but {@code TunedModel.noWeightDecay()};
 *   <li>every {@code --logging_steps} (and the first and last step) the mean step loss since the
 *       last log, the last gradient norm and the learning rate of the next step are logged, as
 *       transformers logs them; every {@code --eval_steps} the validation set is evaluated;
 *       every {@code --save_steps} (and at the end) a checkpoint is saved; a run that ends
 *       logs a summary last ({@code train_runtime}, ..., {@code train_loss}, as transformers),
 *       which the final checkpoint's trainer_state.json holds;
 *   <li>before each step the model's dropout is reseeded from the seed and the step, and the
 *       data order is a function of the data seed and the epoch, so a run resumed from a
 *       checkpoint repeats the uninterrupted one.
 * </ul>
 *
 * <p>{@link StopRequest#request()} (Ctrl-C) stops the run at the next micro-batch: a step in
 * progress is dropped, and the state after the last whole step is saved.
 */
public final class Trainer {

    private final TensorOps ops;
    private final CausalLM model;
    private final TunedModel tuned;
    private final BatchSource train;
    private final Optional<BatchSource> validation;
    private final TrainingArguments args;
    private final int batchSize;
    private final CheckpointSink checkpoints;
    private final List<TrainingListener> listeners;
    private final StopRequest stop;

    /**
     * @param batchSize {@code --per_device_train_batch_size}, for trainer_state.json
     * @param checkpoints where checkpoints go
     */
    public Trainer(TensorOps ops, CausalLM model, TunedModel tuned, BatchSource train,
            Optional<BatchSource> validation, TrainingArguments args, int batchSize,
            CheckpointSink checkpoints, List<TrainingListener> listeners, StopRequest stop) {
        this.ops = Objects.requireNonNull(ops, "ops");
        this.model = Objects.requireNonNull(model, "model");
        this.tuned = Objects.requireNonNull(tuned, "tuned");
        this.train = Objects.requireNonNull(train, "train");
        this.validation = Objects.requireNonNull(validation, "validation");
        this.args = Objects.requireNonNull(args, "args");
        this.batchSize = batchSize;
        this.checkpoints = Objects.requireNonNull(checkpoints, "checkpoints");
        this.listeners = List.copyOf(listeners);
        this.stop = Objects.requireNonNull(stop, "stop");
    }

    /** The seed of the dropout masks of step {@code step}: the run's seed and the step, mixed. */
    static long stepSeed(long seed, long step) {
        long z = seed + 0x9E3779B97F4A7C15L * (step + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Trains from the start. */
    public TrainingResult train() throws IOException, DatasetException {
        return run(new TrainerState(), null);
    }

    /**
     * Trains on from a checkpoint: the trainable weights must already hold its values
     * ({@link CheckpointReader#restoreWeights}); the optimizer state and the trainer state come
     * from {@code resume}.
     */
    public TrainingResult resume(CheckpointReader.Resumed resume) throws IOException, DatasetException {
        return run(resume.state(), resume.optimizer());
    }

    private TrainingResult run(TrainerState state, AdamW.State optimizerState)
            throws IOException, DatasetException {
        try {
            return runSteps(state, optimizerState);
        } finally {
            stop.finished();
        }
    }

    private TrainingResult runSteps(TrainerState state, AdamW.State optimizerState)
            throws IOException, DatasetException {
        long stepsPerEpoch = stepsPerEpoch();
        long totalSteps = totalSteps(stepsPerEpoch);
        state.configure(totalSteps, args.maxSteps() > 0 && stepsPerEpoch > 0
                ? Math.ceil((double) totalSteps / stepsPerEpoch) : args.numTrainEpochs(), args, batchSize);
        LearningRateSchedule schedule = new LearningRateSchedule(args.lrSchedulerType(),
                args.learningRate(), LearningRateSchedule.warmupSteps(totalSteps, args.warmupSteps(),
                        args.warmupRatio()), totalSteps);
        try {
            model.setGradientCheckpointing(args.gradientCheckpointing());
        } catch (UnsupportedOperationException e) {
            throw new IllegalArgumentException("--gradient_checkpointing true: " + e.getMessage()
                    + "; train with --gradient_checkpointing false", e);
        }
        try (AdamW optimizer = optimizer(); Run run = new Run(state, schedule, optimizer, stepsPerEpoch)) {
            if (optimizerState != null) {
                optimizer.importState(optimizerState);
            }
            listeners.forEach(l -> l.onTrainBegin(state));
            TrainingResult result = run.steps();
            listeners.forEach(l -> l.onTrainEnd(result));
            return result;
        } finally {
            model.setGradientCheckpointing(false);
        }
    }

    /** Optimizer steps per epoch, or -1 when the data does not know its size (streaming). */
    private long stepsPerEpoch() {
        OptionalLong batches = train.batchesPerEpoch();
        if (batches.isEmpty()) {
            return -1;
        }
        if (batches.getAsLong() == 0) {
            throw new IllegalArgumentException("the training set has no batches: nothing to train on");
        }
        return (batches.getAsLong() + args.gradientAccumulationSteps() - 1)
                / args.gradientAccumulationSteps();
    }

    private long totalSteps(long stepsPerEpoch) {
        if (args.maxSteps() > 0) {
            return args.maxSteps();
        }
        if (stepsPerEpoch < 0) {
            throw new IllegalArgumentException("the training data streams without a known size: "
                    + "give --max_steps");
        }
        return Math.max(1, (long) Math.ceil(args.numTrainEpochs() * stepsPerEpoch));
    }

    /**
     * AdamW over the trainable parameters in their order, decayed unless excluded, each with the
     * tuner's learning-rate scale (LoRA+).
     */
    private AdamW optimizer() {
        Set<String> noDecay = new HashSet<>(tuned.noWeightDecay());
        AdamW optimizer = new AdamW(args.adamW());
        for (Map.Entry<String, Tensor> p : tuned.trainableParameters().entrySet()) {
            double scale = tuned.learningRateScale(p.getKey());
            if (!(scale >= 0) || Double.isInfinite(scale)) {
                throw new IllegalStateException("the tuner gives " + p.getKey()
                        + " the learning-rate scale " + scale + ", not a finite number >= 0");
            }
            optimizer.addGroup(List.of(p.getValue()), !noDecay.contains(p.getKey()), scale);
        }
        return optimizer;
    }

    /** One run of the loop: its data cursor, clocks and running sums. */
    private final class Run implements AutoCloseable {
        private final TrainerState state;
        private final LearningRateSchedule schedule;
        private final AdamW optimizer;
        private final long stepsPerEpoch;
        private final CausalLmLoss loss;
        private final List<Tensor> parameters;
        private EpochBatches epoch;
        private Path lastCheckpoint;
        private long savedStep = -1;
        private double lossSinceLog;
        private long stepsSinceLog;
        private long tokensSinceLog;
        private double secondsSinceLog;
        private double lossSum;
        private long stepsRun;
        private long samplesRun;
        private double gradNorm = Double.NaN;

        Run(TrainerState state, LearningRateSchedule schedule, AdamW optimizer, long stepsPerEpoch) {
            this.state = state;
            this.schedule = schedule;
            this.optimizer = optimizer;
            this.stepsPerEpoch = stepsPerEpoch;
            this.loss = new CausalLmLoss(ops, model);
            this.parameters = List.copyOf(tuned.trainableParameters().values());
        }

        TrainingResult steps() throws IOException, DatasetException {
            long start = System.nanoTime();
            epoch = train.epoch(state.dataPosition());
            boolean interrupted = false;
            while (state.globalStep() < state.maxSteps()) {
                if (stop.isRequested() || !step()) {
                    interrupted = true;
                    optimizer.zeroGrad();
                    break;
                }
                afterStep();
            }
            double runtime = (System.nanoTime() - start) / 1e9;
            double trainLoss = stepsRun == 0 ? Double.NaN : lossSum / stepsRun;
            if (!interrupted) {
                // Before the final checkpoint, so that its trainer_state.json ends with the
                // summary as the trainer_state.json transformers' save_state writes at the end.
                log(summary(trainLoss, runtime));
            }
            if (savedStep != state.globalStep() && state.globalStep() > 0) {
                save();
            }
            return new TrainingResult(state, interrupted, Optional.ofNullable(lastCheckpoint),
                    trainLoss, runtime);
        }

        /**
         * The last entry of the log history, with the keys in the order transformers' Trainer
         * logs them at the end of {@code train()}: {@code speed_metrics("train", ...)},
         * {@code total_flos}, {@code train_loss}, then {@code epoch} and {@code step}. Kiln's
         * runtime, samples and steps are this run's own (a resumed run counts from its resume),
         * its train_loss the mean step loss of this run, and it counts no FLOPs (0, as the
         * state's {@code total_flos}).
         */
        private Map<String, Object> summary(double trainLoss, double runtime) {
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("train_runtime", round(runtime, 4));
            summary.put("train_samples_per_second", round(samplesRun / runtime, 3));
            summary.put("train_steps_per_second", round(stepsRun / runtime, 3));
            summary.put("total_flos", 0.0);
            summary.put("train_loss", finite(trainLoss));
            summary.put("epoch", state.epoch());
            summary.put("step", state.globalStep());
            return summary;
        }

        /** One optimizer step; false when a stop request cut it short (nothing applied). */
        private boolean step() throws IOException, DatasetException {
            long start = System.nanoTime();
            long step = state.globalStep();
            List<Batch> micro = microBatches();
            List<int[]> targets = new ArrayList<>(micro.size());
            long trained = 0;
            long tokens = 0;
            long rows = 0;
            for (Batch batch : micro) {
                int[] t = CausalLmLoss.targets(batch);
                targets.add(t);
                trained += CausalLmLoss.countTrained(t);
                tokens += batch.tokens();
                rows += batch.rows();
            }
            model.reseed(stepSeed(args.seed(), step));
            double stepLoss = 0;
            for (int i = 0; i < micro.size(); i++) {
                if (stop.isRequested()) {
                    return false;
                }
                int n = CausalLmLoss.countTrained(targets.get(i));
                if (n == 0) {
                    continue;
                }
                try (TensorScope scope = ops.scope()) {
                    Tensor l = loss.loss(micro.get(i), targets.get(i), n, trained);
                    l.backward();
                    stepLoss += l.item();
                }
            }
            double learningRate = schedule.learningRate(step);
            gradNorm = GradClipping.clipGlobalNorm(parameters,
                    args.maxGradNorm() > 0 ? args.maxGradNorm() : Double.POSITIVE_INFINITY);
            optimizer.setLearningRate(learningRate);
            optimizer.step();
            optimizer.zeroGrad();
            if (trained == 0) {
                stepLoss = Double.NaN;
            }
            state.stepDone(epochProgress(), epoch.position(), tokens);
            double seconds = (System.nanoTime() - start) / 1e9;
            lossSinceLog += stepLoss;
            stepsSinceLog++;
            tokensSinceLog += tokens;
            secondsSinceLog += seconds;
            lossSum += stepLoss;
            stepsRun++;
            samplesRun += rows;
            StepReport report = new StepReport(state.globalStep(), state.maxSteps(), state.epoch(),
                    stepLoss, learningRate, gradNorm, tokens, seconds);
            listeners.forEach(l -> l.onStep(report));
            return true;
        }

        /** Up to --gradient_accumulation_steps batches, never across the end of an epoch. */
        private List<Batch> microBatches() throws IOException, DatasetException {
            List<Batch> micro = new ArrayList<>();
            boolean freshEpoch = false;
            while (micro.size() < args.gradientAccumulationSteps()) {
                Optional<Batch> next = epoch.next();
                if (next.isPresent()) {
                    micro.add(next.get());
                    continue;
                }
                if (!micro.isEmpty()) {
                    break;
                }
                if (freshEpoch) {
                    throw new IllegalArgumentException("an epoch of the training set has no batches:"
                            + " nothing to train on");
                }
                DataPosition done = epoch.position();
                epoch.close();
                epoch = train.epoch(new DataPosition(done.epoch() + 1, 0));
                freshEpoch = true;
            }
            return micro;
        }

        /** Epochs done: whole epochs plus this epoch's share of steps (transformers' epoch). */
        private double epochProgress() {
            DataPosition p = epoch.position();
            if (stepsPerEpoch <= 0) {
                return p.epoch();
            }
            long stepsInEpoch = (p.batchesDone() + args.gradientAccumulationSteps() - 1)
                    / args.gradientAccumulationSteps();
            return p.epoch() + (double) stepsInEpoch / stepsPerEpoch;
        }

        private void afterStep() throws IOException, DatasetException {
            long step = state.globalStep();
            boolean last = step == state.maxSteps();
            if (step == 1 || step % args.loggingSteps() == 0 || last) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("loss", finite(round(lossSinceLog / stepsSinceLog, 4)));
                entry.put("grad_norm", finite(gradNorm));
                entry.put("learning_rate", schedule.learningRate(step));
                entry.put("epoch", round(state.epoch(), 4));
                entry.put("step", step);
                entry.put("tokens_per_second", round(tokensSinceLog / secondsSinceLog, 1));
                log(entry);
                lossSinceLog = 0;
                stepsSinceLog = 0;
                tokensSinceLog = 0;
                secondsSinceLog = 0;
            }
            if (validation.isPresent() && (step % args.evalSteps() == 0 || last)) {
                evaluate();
            }
            if (step % args.saveSteps() == 0 && !last) {
                save(); // the last step's checkpoint waits for the summary (steps())
            }
        }

        private void evaluate() throws IOException, DatasetException {
            Evaluation.Result result = new Evaluation(ops, model).run(validation.get());
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("eval_loss", finite(result.loss()));
            entry.put("eval_perplexity", finite(result.perplexity()));
            entry.put("eval_tokens", result.tokens());
            entry.put("eval_runtime", round(result.seconds(), 4));
            entry.put("epoch", round(state.epoch(), 4));
            entry.put("step", state.globalStep());
            if (Double.isFinite(result.loss())) {
                state.evaluated(result.loss(), checkpointName(state.globalStep()));
            }
            log(entry);
        }

        private void log(Map<String, Object> entry) {
            state.log(entry);
            listeners.forEach(l -> l.onLog(entry));
        }

        private void save() throws IOException {
            lastCheckpoint = checkpoints.save(state, optimizer, schedule);
            savedStep = state.globalStep();
            listeners.forEach(l -> l.onSave(lastCheckpoint));
        }

        @Override
        public void close() throws IOException {
            if (epoch != null) {
                epoch.close();
            }
        }
    }

    /** The directory name of the checkpoint of {@code step}, as transformers names it. */
    public static String checkpointName(long step) {
        return "checkpoint-" + step;
    }

    private static Double finite(double value) {
        return Double.isFinite(value) ? value : null;
    }

    private static double round(double value, int digits) {
        if (!Double.isFinite(value)) {
            return value;
        }
        double scale = Math.pow(10, digits);
        return Math.round(value * scale) / scale;
    }
}
