package dev.kiln.core.data;

import java.util.Locale;

/** What to do with a sample longer than {@code --max_length}, as ms-swift's {@code --truncation_strategy}. */
public enum TruncationStrategy {

    /** Leave the sample out (counted in {@link EncodeStats}); ms-swift's default. */
    DELETE("delete"),
    /** Keep the last {@code max_length} tokens. */
    LEFT("left"),
    /** Keep the first {@code max_length} tokens. */
    RIGHT("right");

    private final String optionValue;

    TruncationStrategy(String optionValue) {
        this.optionValue = optionValue;
    }

    public String optionValue() {
        return optionValue;
    }

    /**
     * Parses {@code delete}, {@code left} or {@code right}.
     *
     * @throws IllegalArgumentException naming the value and the accepted ones
     */
    public static TruncationStrategy parse(String value) {
        for (TruncationStrategy strategy : values()) {
            if (strategy.optionValue.equals(value.toLowerCase(Locale.ROOT))) {
                return strategy;
            }
        }
        throw new IllegalArgumentException("--truncation_strategy '" + value
                + "': expected delete, left or right");
    }
}
