package dev.kiln.core.generate;

import java.util.List;
import java.util.Set;

/**
 * How to choose each next token, and when to stop: the parameters of transformers'
 * {@code generate} and of the OpenAI API, with their meanings.
 *
 * @param temperature divides the logits; 0 means greedy (the most likely token)
 * @param topK keep the k most likely tokens; 0 keeps all
 * @param topP keep the most likely tokens whose probabilities add up to at least top_p; 1 keeps all
 * @param minP drop tokens less likely than min_p times the most likely one; 0 keeps all
 * @param repetitionPenalty transformers' penalty on every token of the prompt and the
 *     completion: positive logits divided by it, negative multiplied; 1 is none
 * @param presencePenalty OpenAI's: subtracted once from the logit of every token the completion
 *     contains; 0 is none
 * @param frequencyPenalty OpenAI's: subtracted from a token's logit once per time the completion
 *     contains it; 0 is none
 * @param seed seeds the sampling, so a request repeats exactly; null for a random seed
 * @param maxNewTokens the most tokens to generate
 * @param stopStrings text that ends the completion; it is not part of the returned text
 * @param stopTokenIds ids that end the completion (the model's end-of-sequence ids)
 * @param ignoreEos do not stop at the tokenizer's end-of-sequence ids (stopTokenIds still stop)
 * @param logprobs return the log-probability of each chosen token
 * @param topLogprobs with it, the most likely alternatives at each step (0 to 20)
 */
public record SamplingParams(double temperature, int topK, double topP, double minP,
        double repetitionPenalty, double presencePenalty, double frequencyPenalty, Long seed,
        int maxNewTokens, List<String> stopStrings, Set<Integer> stopTokenIds, boolean ignoreEos,
        boolean logprobs, int topLogprobs) {

    public static final int DEFAULT_MAX_NEW_TOKENS = 512;
    public static final int MAX_TOP_LOGPROBS = 20;

    public SamplingParams {
        require(Double.isFinite(temperature) && temperature >= 0, "temperature must be >= 0", temperature);
        require(topK >= -1, "top_k must be >= 0 (0 for no limit)", topK);
        topK = Math.max(topK, 0); // vLLM spells "no limit" -1
        require(topP > 0 && topP <= 1, "top_p must be in (0, 1]", topP);
        require(minP >= 0 && minP <= 1, "min_p must be in [0, 1]", minP);
        require(Double.isFinite(repetitionPenalty) && repetitionPenalty > 0,
                "repetition_penalty must be > 0", repetitionPenalty);
        require(presencePenalty >= -2 && presencePenalty <= 2, "presence_penalty must be in [-2, 2]",
                presencePenalty);
        require(frequencyPenalty >= -2 && frequencyPenalty <= 2, "frequency_penalty must be in [-2, 2]",
                frequencyPenalty);
        require(maxNewTokens >= 1, "max_new_tokens must be >= 1", maxNewTokens);
        require(topLogprobs >= 0 && topLogprobs <= MAX_TOP_LOGPROBS,
                "top_logprobs must be in [0, " + MAX_TOP_LOGPROBS + "]", topLogprobs);
        stopStrings = List.copyOf(stopStrings);
        for (String stop : stopStrings) {
            require(!stop.isEmpty(), "a stop string must not be empty", "\"\"");
        }
        stopTokenIds = Set.copyOf(stopTokenIds);
        for (int id : stopTokenIds) {
            require(id >= 0, "a stop token id must be >= 0", id);
        }
    }

    /** Greedy decoding, at most {@link #DEFAULT_MAX_NEW_TOKENS} tokens. */
    public static SamplingParams greedy() {
        return builder().temperature(0).build();
    }

    /** Temperature 1 and no other warping, {@link #DEFAULT_MAX_NEW_TOKENS} tokens, no stops. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from these parameters. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Whether the next token is the most likely one rather than a sample. */
    public boolean isGreedy() {
        return temperature == 0;
    }

    private static void require(boolean ok, String rule, Object got) {
        if (!ok) {
            throw new IllegalArgumentException(rule + ", got " + got);
        }
    }

    /** Builds {@link SamplingParams}; every value is checked by {@link #build()}. */
    public static final class Builder {

        private double temperature = 1;
        private int topK;
        private double topP = 1;
        private double minP;
        private double repetitionPenalty = 1;
        private double presencePenalty;
        private double frequencyPenalty;
        private Long seed;
        private int maxNewTokens = DEFAULT_MAX_NEW_TOKENS;
        private List<String> stopStrings = List.of();
        private Set<Integer> stopTokenIds = Set.of();
        private boolean ignoreEos;
        private boolean logprobs;
        private int topLogprobs;

        private Builder() {}

        private Builder(SamplingParams p) {
            temperature = p.temperature;
            topK = p.topK;
            topP = p.topP;
            minP = p.minP;
            repetitionPenalty = p.repetitionPenalty;
            presencePenalty = p.presencePenalty;
            frequencyPenalty = p.frequencyPenalty;
            seed = p.seed;
            maxNewTokens = p.maxNewTokens;
            stopStrings = p.stopStrings;
            stopTokenIds = p.stopTokenIds;
            ignoreEos = p.ignoreEos;
            logprobs = p.logprobs;
            topLogprobs = p.topLogprobs;
        }

        public Builder temperature(double value) { temperature = value; return this; }
        public Builder topK(int value) { topK = value; return this; }
        public Builder topP(double value) { topP = value; return this; }
        public Builder minP(double value) { minP = value; return this; }
        public Builder repetitionPenalty(double value) { repetitionPenalty = value; return this; }
        public Builder presencePenalty(double value) { presencePenalty = value; return this; }
        public Builder frequencyPenalty(double value) { frequencyPenalty = value; return this; }
        public Builder seed(Long value) { seed = value; return this; }
        public Builder maxNewTokens(int value) { maxNewTokens = value; return this; }
        public Builder stopStrings(List<String> value) { stopStrings = value; return this; }
        public Builder stopTokenIds(Set<Integer> value) { stopTokenIds = value; return this; }
        public Builder ignoreEos(boolean value) { ignoreEos = value; return this; }
        public Builder logprobs(boolean value) { logprobs = value; return this; }
        public Builder topLogprobs(int value) { topLogprobs = value; return this; }

        public SamplingParams build() {
            return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty,
                    presencePenalty, frequencyPenalty, seed, maxNewTokens, stopStrings,
                    stopTokenIds, ignoreEos, logprobs, topLogprobs);
        }
    }
}
