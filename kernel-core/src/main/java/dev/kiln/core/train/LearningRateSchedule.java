package dev.kiln.core.train;

import java.util.Locale;

/**
 * The learning rate of each optimizer step, as transformers' {@code get_scheduler} defines it: a
 * multiplier of the base rate that rises linearly from 0 over the warmup steps, then stays
 * ({@code constant_with_warmup}), falls linearly to 0 at the last step ({@code linear}), or
 * follows half a cosine to 0 ({@code cosine}). Step {@code s} (from 0) trains with
 * {@link #learningRate(long) learningRate(s)}; the schedule is a pure function of the step, so
 * its state in a checkpoint is the step alone.
 *
 * @param type {@code --lr_scheduler_type}
 * @param baseRate {@code --learning_rate}
 * @param warmupSteps the steps of the warmup ({@link #warmupSteps(long, int, double)})
 * @param totalSteps the steps of the whole run
 */
public record LearningRateSchedule(Type type, double baseRate, long warmupSteps, long totalSteps) {

    /** The schedules of {@code --lr_scheduler_type}, with transformers' names. */
    public enum Type {
        LINEAR("linear"),
        COSINE("cosine"),
        CONSTANT("constant"),
        CONSTANT_WITH_WARMUP("constant_with_warmup");

        private final String label;

        Type(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        /**
         * @throws IllegalArgumentException naming the value and the accepted ones
         */
        public static Type parse(String value) {
            String wanted = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
            for (Type type : values()) {
                if (type.label.equals(wanted)) {
                    return type;
                }
            }
            throw new IllegalArgumentException("--lr_scheduler_type " + value
                    + ": not one of linear, cosine, constant, constant_with_warmup");
        }
    }

    public LearningRateSchedule {
        if (!(baseRate >= 0) || warmupSteps < 0 || totalSteps < 1) {
            throw new IllegalArgumentException("learning rate schedule: rate " + baseRate
                    + ", warmup " + warmupSteps + ", total " + totalSteps + " steps");
        }
    }

    /**
     * transformers' {@code get_warmup_steps}: {@code --warmup_steps} when above 0, else
     * {@code ceil(totalSteps · --warmup_ratio)}.
     */
    public static long warmupSteps(long totalSteps, int warmupSteps, double warmupRatio) {
        if (warmupSteps < 0 || !(warmupRatio >= 0 && warmupRatio <= 1)) {
            throw new IllegalArgumentException("--warmup_steps " + warmupSteps + " must be >= 0 and "
                    + "--warmup_ratio " + warmupRatio + " in [0, 1]");
        }
        return warmupSteps > 0 ? warmupSteps : (long) Math.ceil(totalSteps * warmupRatio);
    }

    /** The rate step {@code step} (from 0) trains with. */
    public double learningRate(long step) {
        return baseRate * multiplier(step);
    }

    /** transformers' lr_lambda of the schedule, computed in double as Python does. */
    double multiplier(long step) {
        if (type == Type.CONSTANT) {
            return 1;
        }
        if (step < warmupSteps) {
            return (double) step / Math.max(1, warmupSteps);
        }
        return switch (type) {
            case CONSTANT_WITH_WARMUP -> 1;
            case LINEAR -> Math.max(0, (double) (totalSteps - step)
                    / Math.max(1, totalSteps - warmupSteps));
            case COSINE -> {
                double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
                // num_cycles = 0.5: half a cosine from 1 to 0
                yield Math.max(0, 0.5 * (1 + Math.cos(Math.PI * 0.5 * 2 * progress)));
            }
            case CONSTANT -> 1;
        };
    }
}
