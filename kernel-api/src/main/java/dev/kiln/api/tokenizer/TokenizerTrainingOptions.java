package dev.kiln.api.tokenizer;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link TokenizerTrainer} learns: the vocabulary's size (special tokens included), the
 * fewest occurrences a merge needs, the special tokens (given the first ids, in order), the roles
 * of some of them, and the chat template and longest input written beside the tokenizer.
 */
public final class TokenizerTrainingOptions {

    private final int vocabSize;
    private final long minFrequency;
    private final List<String> specialTokens;
    private final String bosToken;
    private final String eosToken;
    private final String padToken;
    private final String chatTemplate;
    private final int modelMaxLength;

    private TokenizerTrainingOptions(Builder b) {
        if (b.vocabSize < 1) {
            throw new IllegalArgumentException("vocab size " + b.vocabSize + ": must be positive");
        }
        if (b.minFrequency < 0) {
            throw new IllegalArgumentException("min frequency " + b.minFrequency + ": must not be negative");
        }
        vocabSize = b.vocabSize;
        minFrequency = b.minFrequency;
        specialTokens = List.copyOf(b.specialTokens);
        bosToken = special(b.bosToken, "bos");
        eosToken = special(b.eosToken, "eos");
        padToken = special(b.padToken, "pad");
        chatTemplate = b.chatTemplate;
        modelMaxLength = b.modelMaxLength;
    }

    private String special(String token, String role) {
        if (token != null && !specialTokens.contains(token)) {
            throw new IllegalArgumentException(role + " token " + token + " is not one of the special"
                    + " tokens " + specialTokens);
        }
        return token;
    }

    /** @param vocabSize the vocabulary's size, special tokens included */
    public static Builder builder(int vocabSize) {
        return new Builder(vocabSize);
    }

    public int vocabSize() { return vocabSize; }
    /** A pair seen fewer times than this is not merged (0 and 1 merge every pair seen). */
    public long minFrequency() { return minFrequency; }
    public List<String> specialTokens() { return specialTokens; }
    public Optional<String> bosToken() { return Optional.ofNullable(bosToken); }
    public Optional<String> eosToken() { return Optional.ofNullable(eosToken); }
    public Optional<String> padToken() { return Optional.ofNullable(padToken); }
    /** A Jinja chat template (Hugging Face's {@code chat_template}), if any. */
    public Optional<String> chatTemplate() { return Optional.ofNullable(chatTemplate); }
    /** The longest input the model takes, in tokens ({@code model_max_length}); 0 when unknown. */
    public int modelMaxLength() { return modelMaxLength; }

    /** Options by name; the special tokens' roles must be among the special tokens. */
    public static final class Builder {
        private final int vocabSize;
        private long minFrequency;
        private List<String> specialTokens = List.of();
        private String bosToken;
        private String eosToken;
        private String padToken;
        private String chatTemplate;
        private int modelMaxLength;

        private Builder(int vocabSize) {
            this.vocabSize = vocabSize;
        }

        public Builder minFrequency(long value) { minFrequency = value; return this; }
        public Builder specialTokens(List<String> value) { specialTokens = Objects.requireNonNull(value); return this; }
        public Builder bosToken(String value) { bosToken = value; return this; }
        public Builder eosToken(String value) { eosToken = value; return this; }
        public Builder padToken(String value) { padToken = value; return this; }
        public Builder chatTemplate(String value) { chatTemplate = value; return this; }
        public Builder modelMaxLength(int value) { modelMaxLength = value; return this; }

        /** @throws IllegalArgumentException for a size below 1, a negative frequency, or a role token that is not special */
        public TokenizerTrainingOptions build() {
            return new TokenizerTrainingOptions(this);
        }
    }
}
