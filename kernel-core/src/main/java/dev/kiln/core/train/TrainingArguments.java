package dev.kiln.core.train;

import dev.kiln.core.optim.AdamW;
import java.util.Objects;

/**
 * The hyper-parameters of a run, with the names and meanings of transformers'
 * {@code TrainingArguments} as ms-swift passes them through ({@code --learning_rate},
 * {@code --gradient_accumulation_steps}, ...). Batch size, sequence length and packing belong to
 * the batches ({@link dev.kiln.core.data.BatchOptions}).
 *
 * @param learningRate the peak rate the schedule scales
 * @param weightDecay AdamW's decoupled weight decay, for the parameters not excluded
 *     ({@code TunedModel.noWeightDecay()})
 * @param adamBeta1 AdamW's β1
 * @param adamBeta2 AdamW's β2
 * @param adamEpsilon AdamW's ε
 * @param maxGradNorm the global gradient norm is clipped to this; 0 turns clipping off
 * @param lrSchedulerType the schedule
 * @param warmupRatio the share of the steps that warm up, unless {@code warmupSteps} is set
 * @param warmupSteps warmup steps; 0 defers to {@code warmupRatio}
 * @param numTrainEpochs epochs to train (may be fractional), unless {@code maxSteps} is set
 * @param maxSteps optimizer steps to train, overriding the epochs; -1 for none
 * @param gradientAccumulationSteps micro-batches per optimizer step
 * @param loggingSteps log every this many steps (and the first step)
 * @param saveSteps save a checkpoint every this many steps (and at the end)
 * @param evalSteps evaluate every this many steps (and at the end), when there is validation data
 * @param saveTotalLimit keep at most this many checkpoints, deleting the oldest; 0 keeps all
 * @param seed seeds dropout (the data order has its own seed in the batches)
 * @param gradientCheckpointing recompute each decoder layer in backward
 */
public record TrainingArguments(double learningRate, double weightDecay, double adamBeta1,
        double adamBeta2, double adamEpsilon, double maxGradNorm,
        LearningRateSchedule.Type lrSchedulerType, double warmupRatio, int warmupSteps,
        double numTrainEpochs, long maxSteps, int gradientAccumulationSteps, int loggingSteps,
        int saveSteps, int evalSteps, int saveTotalLimit, long seed, boolean gradientCheckpointing) {

    public TrainingArguments {
        Objects.requireNonNull(lrSchedulerType, "lrSchedulerType");
        positive("--gradient_accumulation_steps", gradientAccumulationSteps);
        positive("--logging_steps", loggingSteps);
        positive("--save_steps", saveSteps);
        positive("--eval_steps", evalSteps);
        if (saveTotalLimit < 0) {
            throw new IllegalArgumentException("--save_total_limit " + saveTotalLimit
                    + ": must be at least 1 (or 0 to keep every checkpoint)");
        }
        if (!(maxGradNorm >= 0)) {
            throw new IllegalArgumentException("--max_grad_norm " + maxGradNorm + ": must be >= 0");
        }
        if (maxSteps == 0 || maxSteps < -1) {
            throw new IllegalArgumentException("--max_steps " + maxSteps
                    + ": must be positive (or -1 to train --num_train_epochs)");
        }
        if (maxSteps == -1 && !(numTrainEpochs > 0)) {
            throw new IllegalArgumentException("--num_train_epochs " + numTrainEpochs
                    + ": must be positive");
        }
        LearningRateSchedule.warmupSteps(1, warmupSteps, warmupRatio); // checks both
        if (!(learningRate >= 0) || !(weightDecay >= 0) || !(adamEpsilon >= 0)) {
            throw new IllegalArgumentException("--learning_rate " + learningRate + ", --weight_decay "
                    + weightDecay + " and --adam_epsilon " + adamEpsilon + " must be >= 0");
        }
        if (!(adamBeta1 >= 0 && adamBeta1 < 1 && adamBeta2 >= 0 && adamBeta2 < 1)) {
            throw new IllegalArgumentException("--adam_beta1 " + adamBeta1 + " and --adam_beta2 "
                    + adamBeta2 + " must be in [0, 1)");
        }
    }

    /**
     * ms-swift 3's defaults for LoRA fine-tuning: rate 1e-4, weight decay 0.1, betas (0.9,
     * 0.95), ε 1e-8, max_grad_norm 1, cosine with warmup ratio 0.05, 3 epochs, 16 accumulated
     * micro-batches (ms-swift's default for batch size 1 on one device), logging every 5 steps,
     * saving and evaluating every 500, seed 42.
     */
    public static TrainingArguments defaults() {
        return builder().build();
    }

    /** A builder starting from {@link #defaults()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** The optimizer's settings: these rates and betas. */
    public AdamW.Settings adamW() {
        return new AdamW.Settings(learningRate, adamBeta1, adamBeta2, adamEpsilon, weightDecay);
    }

    /** A builder starting from these arguments. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.learningRate = learningRate;
        b.weightDecay = weightDecay;
        b.adamBeta1 = adamBeta1;
        b.adamBeta2 = adamBeta2;
        b.adamEpsilon = adamEpsilon;
        b.maxGradNorm = maxGradNorm;
        b.lrSchedulerType = lrSchedulerType;
        b.warmupRatio = warmupRatio;
        b.warmupSteps = warmupSteps;
        b.numTrainEpochs = numTrainEpochs;
        b.maxSteps = maxSteps;
        b.gradientAccumulationSteps = gradientAccumulationSteps;
        b.loggingSteps = loggingSteps;
        b.saveSteps = saveSteps;
        b.evalSteps = evalSteps;
        b.saveTotalLimit = saveTotalLimit;
        b.seed = seed;
        b.gradientCheckpointing = gradientCheckpointing;
        return b;
    }

    /** Builds {@link TrainingArguments}; every setter is named after its option. */
    public static final class Builder {
        private double learningRate = 1e-4;
        private double weightDecay = 0.1;
        private double adamBeta1 = 0.9;
        private double adamBeta2 = 0.95;
        private double adamEpsilon = 1e-8;
        private double maxGradNorm = 1.0;
        private LearningRateSchedule.Type lrSchedulerType = LearningRateSchedule.Type.COSINE;
        private double warmupRatio = 0.05;
        private int warmupSteps;
        private double numTrainEpochs = 3;
        private long maxSteps = -1;
        private int gradientAccumulationSteps = 16;
        private int loggingSteps = 5;
        private int saveSteps = 500;
        private int evalSteps = 500;
        private int saveTotalLimit;
        private long seed = 42;
        private boolean gradientCheckpointing;

        private Builder() {}

        public Builder learningRate(double v) { learningRate = v; return this; }
        public Builder weightDecay(double v) { weightDecay = v; return this; }
        public Builder adamBeta1(double v) { adamBeta1 = v; return this; }
        public Builder adamBeta2(double v) { adamBeta2 = v; return this; }
        public Builder adamEpsilon(double v) { adamEpsilon = v; return this; }
        public Builder maxGradNorm(double v) { maxGradNorm = v; return this; }
        public Builder lrSchedulerType(LearningRateSchedule.Type v) { lrSchedulerType = v; return this; }
        public Builder warmupRatio(double v) { warmupRatio = v; return this; }
        public Builder warmupSteps(int v) { warmupSteps = v; return this; }
        public Builder numTrainEpochs(double v) { numTrainEpochs = v; return this; }
        public Builder maxSteps(long v) { maxSteps = v; return this; }
        public Builder gradientAccumulationSteps(int v) { gradientAccumulationSteps = v; return this; }
        public Builder loggingSteps(int v) { loggingSteps = v; return this; }
        public Builder saveSteps(int v) { saveSteps = v; return this; }
        public Builder evalSteps(int v) { evalSteps = v; return this; }
        public Builder saveTotalLimit(int v) { saveTotalLimit = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder gradientCheckpointing(boolean v) { gradientCheckpointing = v; return this; }

        /**
         * @throws IllegalArgumentException naming the option whose value is out of range
         */
        public TrainingArguments build() {
            return new TrainingArguments(learningRate, weightDecay, adamBeta1, adamBeta2,
                    adamEpsilon, maxGradNorm, lrSchedulerType, warmupRatio, warmupSteps,
                    numTrainEpochs, maxSteps, gradientAccumulationSteps, loggingSteps, saveSteps,
                    evalSteps, saveTotalLimit, seed, gradientCheckpointing);
        }
    }

    private static void positive(String option, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(option + " " + value + ": must be at least 1");
        }
    }
}
