package dev.kiln.models.gpt2;

import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;

/**
 * What a forward with a cache asks of it: room for the new tokens, the attention mask they
 * need, where each block's new keys and values go and what its queries attend to. A
 * {@link Gpt2Cache} holds every row at one length (left-padded batches); the rows of a
 * {@link Gpt2CachePool} each have their own.
 */
interface ForwardCache {

    /** The model whose newCache or newCachePool made it. */
    Gpt2Model owner();

    /** Rows (sequences) of the batch it caches. */
    int batch();

    /** @throws IllegalArgumentException when {@code seq} more tokens do not fit every row */
    void requireRoom(int seq);

    /**
     * The additive mask {@code [batch, seq, keys]} of this forward's queries, or null when
     * causality alone is the rule.
     *
     * @param attentionMask the caller's padding mask, or null
     */
    Tensor mask(TensorOps ops, Tensor attentionMask, int seq);

    /**
     * Writes block {@code layer}'s new keys and values {@code [batch, seq, heads, headDim]},
     * then attends {@code q} over everything the block holds with {@code scale} on q·k.
     */
    Tensor attend(TensorOps ops, int layer, Tensor q, Tensor k, Tensor v, Tensor mask, float scale);

    /** Counts {@code seq} tokens written to every block of every row. */
    void advance(int seq);
}
