package dev.kiln.api.tensor;

/**
 * How {@link TensorOps#attention} attends.
 *
 * @param causal whether query i sees only keys at positions up to its own
 * @param scale the factor on q·k, usually 1/sqrt(headDim); NaN means that default
 * @param queryOffset the absolute position of the first query (the KV-cache length before
 *     this chunk, when decoding)
 */
public record AttentionOptions(boolean causal, float scale, int queryOffset) {

    /** Causal self-attention with the default scale. */
    public static AttentionOptions causalSelf() {
        return new AttentionOptions(true, Float.NaN, 0);
    }

    /** Causal attention of queries that start at {@code queryOffset} (decoding with a cache). */
    public static AttentionOptions causalFrom(int queryOffset) {
        return new AttentionOptions(true, Float.NaN, queryOffset);
    }
}
