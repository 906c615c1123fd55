package dev.kiln.models.llama;

import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;

/**
 * What a forward with a cache asks of it: room for the new tokens, the attention mask they
 * need, where each layer's new keys and values go and what its queries attend to. A
 * {@link LlamaKvCache} holds every row at one length (left-padded batches); the rows of a
 * {@link LlamaCachePool} each have their own.
 */
interface ForwardCache {

    /** The model whose newCache or newCachePool made it. */
    LlamaModel owner();

    /** Rows (sequences) of the batch it caches. */
    int batch();

    /** @throws IllegalArgumentException when {@code seq} more tokens do not fit every row */
    void requireRoom(int seq);

    /**
     * The additive mask {@code [batch, seq, keys]} of this forward's queries, or null when
     * causality alone is the rule.
     *
     * @param attentionMask the caller's padding mask, or null
     * @param window the sliding window, 0 for none
     */
    Tensor mask(TensorOps ops, Tensor attentionMask, int seq, int window);

    /**
     * Writes layer {@code layer}'s new keys and values {@code [batch, seq, kvHeads, headDim]},
     * then attends {@code q} over everything the layer holds; returns {@code [batch, seq, heads,
     * headDim]}.
     */
    Tensor attend(TensorOps ops, int layer, Tensor q, Tensor k, Tensor v, Tensor mask);

    /** Counts {@code seq} tokens written to every layer of every row. */
    void advance(int seq);
}
