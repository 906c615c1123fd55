package dev.kiln.core.data;

/**
 * What encoding did to a dataset: samples kept, truncated, left out for their length or for
 * having no trainable token, and assistant turns whose tokens could not be located (a template
 * that rewrites earlier turns); for the summary the trainer prints. Not thread-safe: one per
 * encoding pass.
 */
public final class EncodeStats {

    private long encoded;
    private long truncated;
    private long droppedTooLong;
    private long droppedNoLabels;
    private long unlocatedTurns;
    private long tokens;
    private long trainableTokens;

    void encoded(EncodedSample sample) {
        encoded++;
        tokens += sample.length();
        trainableTokens += sample.trainableTokens();
    }

    void countTruncated() { truncated++; }
    void countTooLong() { droppedTooLong++; }
    void countNoLabels() { droppedNoLabels++; }
    void countUnlocatedTurn() { unlocatedTurns++; }

    /** Samples encoded and kept. */
    public long encoded() { return encoded; }
    /** Kept samples cut to {@code --max_length} ({@code left}/{@code right}). */
    public long truncated() { return truncated; }
    /** Samples left out for their length ({@code delete}). */
    public long droppedTooLong() { return droppedTooLong; }
    /** Samples left out because no label survived (truncation cut every assistant token). */
    public long droppedNoLabels() { return droppedNoLabels; }
    /** Non-final assistant turns left unlabelled because the template renders them differently in context. */
    public long unlocatedTurns() { return unlocatedTurns; }
    /** Tokens of the kept samples. */
    public long tokens() { return tokens; }
    /** Tokens that take loss, over the kept samples. */
    public long trainableTokens() { return trainableTokens; }

    @Override
    public String toString() {
        return encoded + " samples (" + tokens + " tokens, " + trainableTokens + " trained)"
                + (truncated > 0 ? ", " + truncated + " truncated" : "")
                + (droppedTooLong > 0 ? ", " + droppedTooLong + " longer than --max_length left out" : "")
                + (droppedNoLabels > 0 ? ", " + droppedNoLabels + " without trainable tokens left out" : "")
                + (unlocatedTurns > 0 ? ", " + unlocatedTurns + " earlier assistant turns unlabelled" : "");
    }
}
