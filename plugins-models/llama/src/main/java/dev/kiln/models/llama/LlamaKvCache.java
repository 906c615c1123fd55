package dev.kiln.models.llama;

import dev.kiln.api.model.KvCache;
import dev.kiln.api.tensor.AttentionOptions;
import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;

/**
 * Keys and values of every layer, F32 {@code [batch, capacity, kvHeads, headDim]} each (after
 * RoPE, as transformers' DynamicCache holds them). Its tensors belong to the cache: make it
 * outside any TensorScope, or the scope frees them.
 */
final class LlamaKvCache implements KvCache, ForwardCache {

    private final LlamaModel owner;
    private final int batch;
    private final int capacity;
    private final Tensor[] keys;
    private final Tensor[] values;
    private int length;
    private boolean closed;

    LlamaKvCache(LlamaModel owner, TensorOps ops, LlamaConfig config, int batch, int capacity) {
        if (batch < 1 || capacity < 1) {
            throw new IllegalArgumentException("kv cache: batch " + batch + " and capacity "
                    + capacity + " must be positive");
        }
        this.owner = owner;
        this.batch = batch;
        this.capacity = capacity;
        Shape shape = Shape.of(batch, capacity, config.kvHeads(), config.headDim());
        keys = new Tensor[config.layers()];
        values = new Tensor[config.layers()];
        for (int layer = 0; layer < config.layers(); layer++) {
            keys[layer] = ops.zeros(shape, DType.F32);
            values[layer] = ops.zeros(shape, DType.F32);
        }
    }

    @Override
    public LlamaModel owner() {
        return owner;
    }

    @Override
    public int batch() {
        return batch;
    }

    Tensor keys(int layer) {
        checkOpen();
        return keys[layer];
    }

    Tensor values(int layer) {
        checkOpen();
        return values[layer];
    }

    /** Checks that {@code tokens} more fit, before a forward writes them. */
    @Override
    public void requireRoom(int tokens) {
        checkOpen();
        if (length + tokens > capacity) {
            throw new IllegalArgumentException("kv cache: holds " + length + " of " + capacity
                    + " tokens per sequence; " + tokens + " more do not fit");
        }
    }

    /** Padding (the caller's mask) and the sliding window, over the cache and the new tokens. */
    @Override
    public Tensor mask(TensorOps ops, Tensor attentionMask, int seq, int window) {
        return AttentionMasks.additive(ops, attentionMask, batch, seq, length, window);
    }

    /** Every row appends at the cache's one length; queries are causal from there. */
    @Override
    public Tensor attend(TensorOps ops, int layer, Tensor q, Tensor k, Tensor v, Tensor mask) {
        int seq = q.shape().dim(1);
        ops.writeCache(keys(layer), k, length);
        ops.writeCache(values(layer), v, length);
        return ops.cachedAttention(q, keys(layer), values(layer), length + seq, mask,
                AttentionOptions.causalFrom(length));
    }

    /** Counts {@code tokens} written to every layer. */
    @Override
    public void advance(int tokens) {
        length += tokens;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public void clear() {
        length = 0;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            for (int layer = 0; layer < keys.length; layer++) {
                keys[layer].close();
                values[layer].close();
            }
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("kv cache was closed");
        }
    }
}
