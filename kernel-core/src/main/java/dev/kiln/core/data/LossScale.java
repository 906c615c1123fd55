package dev.kiln.core.data;

import java.util.Locale;

/**
 * Which tokens of a conversation carry labels, as ms-swift's {@code --loss_scale}: every other
 * token gets {@link EncodedSample#IGNORE_INDEX}.
 */
public enum LossScale {

    /** Every assistant turn ({@code default}, ms-swift's default for sft). */
    DEFAULT("default"),
    /** Only the last assistant turn ({@code last_round}). */
    LAST_ROUND("last_round"),
    /** Every token, prompt included ({@code all}, the default for pretraining). */
    ALL("all");

    private final String optionValue;

    LossScale(String optionValue) {
        this.optionValue = optionValue;
    }

    /** The value as the command line spells it. */
    public String optionValue() {
        return optionValue;
    }

    /**
     * Parses {@code default}, {@code last_round} or {@code all}.
     *
     * @throws IllegalArgumentException naming the value and the accepted ones
     */
    public static LossScale parse(String value) {
        for (LossScale scale : values()) {
            if (scale.optionValue.equals(value.toLowerCase(Locale.ROOT))) {
                return scale;
            }
        }
        throw new IllegalArgumentException("--loss_scale '" + value
                + "': expected default, last_round or all");
    }
}
