package dev.kiln.tuners.lora;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * How new adapters start, as PEFT's {@code init_lora_weights}. The distributions are PEFT's;
 * the draws are Kiln's own seeded streams (PyTorch's generator is not reproduced).
 */
enum LoraInit {

    /**
     * PEFT's default ({@code true}): A as torch.nn.Linear initializes a weight,
     * {@code kaiming_uniform_(a=sqrt(5))}, that is U(-1/sqrt(in), 1/sqrt(in)); B zeros, so the
     * adapted model starts equal to the base model.
     */
    KAIMING("true"),

    /** {@code gaussian}: A ~ N(0, 1/r), B zeros. */
    GAUSSIAN("gaussian"),

    /**
     * {@code false}: no LoRA-specific init, both A and B as torch.nn.Linear initializes them
     * (B's bound 1/sqrt(r)); the adapted model differs from the base from the start. For tests.
     */
    LINEAR_DEFAULT("false");

    private final String peftValue;

    LoraInit(String peftValue) {
        this.peftValue = peftValue;
    }

    /** The value adapter_config.json's {@code init_lora_weights} holds: true, false or a name. */
    Object peftValue() {
        return switch (this) {
            case KAIMING -> Boolean.TRUE;
            case LINEAR_DEFAULT -> Boolean.FALSE;
            default -> peftValue;
        };
    }

    /** @param option the option's name, for the error */
    static LoraInit parse(String option, Object value) {
        String v = value.toString().trim().toLowerCase(Locale.ROOT);
        for (LoraInit init : values()) {
            if (init.peftValue.equals(v)) {
                return init;
            }
        }
        throw Arguments.invalid(option, "true, false or gaussian (pissa, olora, loftq, eva and"
                + " the other data-driven inits are not supported)", value);
    }

    /** A {@code [rank, in]}, row-major. */
    float[] drawA(int rank, int in, SplittableRandom random) {
        return switch (this) {
            case KAIMING, LINEAR_DEFAULT -> uniform(rank * in, 1 / Math.sqrt(in), random);
            case GAUSSIAN -> gaussian(rank * in, 1.0 / rank, random);
        };
    }

    /** B {@code [out, rank]}, row-major. */
    float[] drawB(int out, int rank, SplittableRandom random) {
        return this == LINEAR_DEFAULT ? uniform(out * rank, 1 / Math.sqrt(rank), random)
                : new float[out * rank];
    }

    private static float[] uniform(int n, double bound, SplittableRandom random) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextDouble(-bound, bound);
        }
        return values;
    }

    private static float[] gaussian(int n, double std, SplittableRandom random) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (std * random.nextGaussian());
        }
        return values;
    }
}
