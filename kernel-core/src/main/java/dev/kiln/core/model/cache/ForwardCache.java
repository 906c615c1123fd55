package dev.kiln.core.model.cache;

import dev.kiln.api.model.KvCache;
import dev.kiln.api.tensor.Tensor;

/**
 * What a forward with a cache asks of it: room for the new tokens, the attention mask they
 * need, where each layer's new keys and values go and what its queries attend to. A
 * {@link UniformKvCache} holds every row at one length (left-padded batches); the rows of a
 * {@link SlotKvCachePool} each have their own.
 */
public interface ForwardCache {

    /**
     * {@code cache} as the forward cache of {@code owner}'s forward.
     *
     * @throws IllegalArgumentException when another model's newCache or newCachePool made it (or
     *     none did)
     */
    static ForwardCache ownedBy(KvCache cache, Object owner, String family) {
        if (cache instanceof ForwardCache forward && forward.owner() == owner) {
            return forward;
        }
        throw new IllegalArgumentException(family + ": the KV cache was not made by this model's"
                + " newCache or newCachePool: " + cache);
    }

    /** The model whose newCache or newCachePool made it ({@link CacheSpec#owner}). */
    Object owner();

    /** Rows (sequences) of the batch it caches. */
    int batch();

    /** @throws IllegalArgumentException when {@code seq} more tokens do not fit every row */
    void requireRoom(int seq);

    /**
     * The additive mask {@code [batch, seq, keys]} of this forward's queries, from the spec's
     * {@link MaskStrategy}, or null when causality alone is the rule.
     *
     * @param attentionMask the caller's padding mask, or null
     */
    Tensor mask(Tensor attentionMask, int seq);

    /**
     * Writes layer {@code layer}'s new keys and values {@code [batch, seq, kvHeads, headDim]},
     * then attends {@code q} over everything the layer holds; returns {@code [batch, seq, heads,
     * headDim]}.
     *
     * @param scale the factor on q·k, NaN for the default 1/sqrt(headDim)
     */
    Tensor attend(int layer, Tensor q, Tensor k, Tensor v, Tensor mask, float scale);

    /** Counts {@code seq} tokens written to every layer of every row. */
    void advance(int seq);
}
