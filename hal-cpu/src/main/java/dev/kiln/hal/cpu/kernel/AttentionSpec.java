package dev.kiln.hal.cpu.kernel;

/**
 * What one attention call computes, apart from the data: the sizes, the score scale, whether it
 * is causal and where the queries sit. Immutable; the constructor rejects impossible shapes.
 *
 * <p>Layouts (row-major): Q and O {@code [batch, seqQ, numHeads, headDim]}; K and V
 * {@code [batch, seqK, numKvHeads, headDim]}; LSE {@code [batch, numHeads, seqQ]}; the optional
 * additive mask {@code [batch, seqQ, seqK]}. Query head h reads kv head {@code h / groupSize()}.
 *
 * @param queryOffset the absolute position of query 0: with {@code causal}, query i attends to
 *                    keys {@code 0 .. queryOffset + i}; this is how a KV-cache step sees the cache
 */
public record AttentionSpec(int batch, int seqQ, int seqK, int numHeads, int numKvHeads, int headDim,
                            float scale, boolean causal, int queryOffset) {

    public AttentionSpec {
        requirePositive("batch", batch);
        requirePositive("seqQ", seqQ);
        requirePositive("seqK", seqK);
        requirePositive("numHeads", numHeads);
        requirePositive("numKvHeads", numKvHeads);
        requirePositive("headDim", headDim);
        if (numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException("attention: numHeads " + numHeads
                    + " is not a multiple of numKvHeads " + numKvHeads);
        }
        if (!Float.isFinite(scale)) {
            throw new IllegalArgumentException("attention: scale must be finite, got " + scale);
        }
        if (queryOffset < 0) {
            throw new IllegalArgumentException("attention: queryOffset must be >= 0, got " + queryOffset);
        }
    }

    /** Non-causal attention with the usual scale 1/sqrt(headDim) and queries from position 0. */
    public static AttentionSpec of(int batch, int seqQ, int seqK, int numHeads, int numKvHeads, int headDim) {
        requirePositive("headDim", headDim);
        return new AttentionSpec(batch, seqQ, seqK, numHeads, numKvHeads, headDim,
                (float) (1.0 / Math.sqrt(headDim)), false, 0);
    }

    public AttentionSpec withScale(float newScale) {
        return new AttentionSpec(batch, seqQ, seqK, numHeads, numKvHeads, headDim, newScale, causal, queryOffset);
    }

    public AttentionSpec withCausal(boolean newCausal) {
        return new AttentionSpec(batch, seqQ, seqK, numHeads, numKvHeads, headDim, scale, newCausal, queryOffset);
    }

    public AttentionSpec withQueryOffset(int newQueryOffset) {
        return new AttentionSpec(batch, seqQ, seqK, numHeads, numKvHeads, headDim, scale, causal, newQueryOffset);
    }

    /** How many query heads share one kv head. */
    public int groupSize() {
        return numHeads / numKvHeads;
    }

    /** Floats between one query position and the next in Q, O, dQ and dO. */
    int queryRowStride() {
        return numHeads * headDim;
    }

    /** Floats between one key position and the next in K, V, dK and dV. */
    int keyRowStride() {
        return numKvHeads * headDim;
    }

    long queryElements() {
        return (long) batch * seqQ * numHeads * headDim;
    }

    long keyElements() {
        return (long) batch * seqK * numKvHeads * headDim;
    }

    long lseElements() {
        return (long) batch * numHeads * seqQ;
    }

    long maskElements() {
        return (long) batch * seqQ * seqK;
    }

    /** The last key query {@code i} may see, plus one. */
    int keyEnd(int i) {
        return causal ? (int) Math.min(seqK, (long) queryOffset + i + 1) : seqK;
    }

    private static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException("attention: " + name + " must be positive, got " + value);
        }
    }
}
