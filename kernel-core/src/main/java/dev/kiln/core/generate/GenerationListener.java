package dev.kiln.core.generate;

/**
 * Follows generation as it happens, for streaming. Rows are the indexes of the requests. For each
 * row, the texts of {@link #onToken} and {@link #onFinish}, concatenated, are the result's text.
 * Called on the generating thread; the default methods do nothing.
 */
public interface GenerationListener {

    /** Ignores everything. */
    GenerationListener NONE = new GenerationListener() {};

    /**
     * Row {@code row} generated {@code tokenId}; {@code text} is the text that became final with
     * it: often empty while a character's bytes or a possible stop string are incomplete.
     */
    default void onToken(int row, int tokenId, String text) {}

    /**
     * As {@link #onToken(int, int, String)}, with the token's log-probabilities when they were
     * requested (else null), for a stream that reports them token by token. By default it calls
     * the three-argument method.
     */
    default void onToken(int row, int tokenId, String text, TokenLogprobs logprobs) {
        onToken(row, tokenId, text);
    }

    /** Row {@code row} is done; {@code text} is the rest of its text, held back until now. */
    default void onFinish(int row, String text, GenerationResult result) {}
}
