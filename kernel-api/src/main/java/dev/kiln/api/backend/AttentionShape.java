package dev.kiln.api.backend;

/**
 * The shape of fused scaled-dot-product attention with grouped-query heads.
 *
 * <p>Layouts, row-major: Q and O {@code [batch, seqQ, heads, headDim]}; K and V
 * {@code [batch, kvCapacity, kvHeads, headDim]} of which the first {@code seqK} positions are
 * used (a KV cache is allocated for {@code kvCapacity} and filled up to {@code seqK}); the
 * log-sum-exp saved for backward {@code [batch, heads, seqQ]}; the optional additive mask
 * {@code [batch, seqQ, seqK]}. Query head h reads kv head {@code h / (heads / kvHeads)}.
 * Query i sits at absolute position {@code queryOffset + i}; with {@code causal} it attends to
 * keys {@code 0 .. queryOffset + i}.
 */
public record AttentionShape(
        int batch, int seqQ, int seqK, int kvCapacity,
        int heads, int kvHeads, int headDim,
        float scale, boolean causal, int queryOffset) {

    public AttentionShape {
        if (batch < 1 || seqQ < 1 || seqK < 1 || heads < 1 || kvHeads < 1 || headDim < 1) {
            throw new IllegalArgumentException("attention: sizes must be positive: " + describe(
                    batch, seqQ, seqK, heads, kvHeads, headDim));
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("attention: heads " + heads
                    + " is not a multiple of kvHeads " + kvHeads);
        }
        if (kvCapacity < seqK) {
            throw new IllegalArgumentException("attention: kvCapacity " + kvCapacity + " < seqK " + seqK);
        }
        if (queryOffset < 0 || (causal && queryOffset + seqQ > seqK)) {
            throw new IllegalArgumentException("attention: queries at positions " + queryOffset + ".."
                    + (queryOffset + seqQ - 1) + " need keys up to there, but seqK is " + seqK);
        }
    }

    /** Self-attention over one sequence chunk, causal, scale 1/sqrt(headDim). */
    public static AttentionShape causalSelf(int batch, int seq, int heads, int kvHeads, int headDim) {
        return new AttentionShape(batch, seq, seq, seq, heads, kvHeads, headDim,
                (float) (1 / Math.sqrt(headDim)), true, 0);
    }

    public long queryElements() { return (long) batch * seqQ * heads * headDim; }
    public long keyElements() { return (long) batch * kvCapacity * kvHeads * headDim; }
    public long lseElements() { return (long) batch * heads * seqQ; }

    private static String describe(int batch, int seqQ, int seqK, int heads, int kvHeads, int headDim) {
        return "batch=" + batch + " seqQ=" + seqQ + " seqK=" + seqK + " heads=" + heads
                + " kvHeads=" + kvHeads + " headDim=" + headDim;
    }
}
