package dev.kiln.api.backend;

/**
 * Rotary position embeddings as a model's config.json describes them.
 *
 * @param headDim size of a head
 * @param rotaryDim how many leading dims of each head rotate (partial rotary when < headDim)
 * @param theta rope_theta
 * @param interleaved pairs (2i, 2i+1) as in GPT-J / Meta's checkpoints, instead of
 *     rotate-half pairs (i, i + rotaryDim/2) as in Hugging Face's Llama
 * @param scaling the rope_scaling of config.json, or {@link Scaling#NONE}
 */
public record RopeSpec(int headDim, int rotaryDim, double theta, boolean interleaved, Scaling scaling) {

    public RopeSpec {
        if (rotaryDim <= 0 || rotaryDim > headDim || rotaryDim % 2 != 0) {
            throw new IllegalArgumentException("rope: rotaryDim " + rotaryDim
                    + " must be even and in 1.." + headDim);
        }
        if (!(theta > 0)) {
            throw new IllegalArgumentException("rope: theta must be positive: " + theta);
        }
    }

    /**
     * rope_scaling: {@code type} "linear" (positions divided by factor) or "llama3" (frequency
     * bands rescaled with low_freq_factor, high_freq_factor and
     * original_max_position_embeddings), or none.
     */
    public record Scaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
            int originalMaxPositions) {

        public Scaling {
            switch (type) {
                case "none" -> { }
                case "linear" -> requirePositive("factor", factor);
                case "llama3" -> {
                    requirePositive("factor", factor);
                    requirePositive("low_freq_factor", lowFreqFactor);
                    if (!(highFreqFactor > lowFreqFactor)) {
                        throw new IllegalArgumentException("rope_scaling llama3: high_freq_factor "
                                + highFreqFactor + " must exceed low_freq_factor " + lowFreqFactor);
                    }
                    requirePositive("original_max_position_embeddings", originalMaxPositions);
                }
                default -> throw new IllegalArgumentException("rope_scaling: unknown type '" + type
                        + "' (known: none, linear, llama3)");
            }
        }

        private static void requirePositive(String name, double value) {
            if (!(value > 0)) {
                throw new IllegalArgumentException("rope_scaling: " + name + " must be positive: " + value);
            }
        }

        public static final Scaling NONE = new Scaling("none", 1, 1, 1, 0);

        public static Scaling linear(double factor) {
            return new Scaling("linear", factor, 1, 1, 0);
        }

        public static Scaling llama3(double factor, double lowFreqFactor, double highFreqFactor,
                int originalMaxPositions) {
            return new Scaling("llama3", factor, lowFreqFactor, highFreqFactor, originalMaxPositions);
        }
    }
}
