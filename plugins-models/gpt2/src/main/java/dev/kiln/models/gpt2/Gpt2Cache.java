package dev.kiln.models.gpt2;

import dev.kiln.api.model.KvCache;
import dev.kiln.api.tensor.AttentionOptions;
import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;

/**
 * GPT-2's keys and values: per layer one preallocated F32 tensor for each,
 * {@code [batch, capacity, heads, headDim]}, filled in place by {@link TensorOps#writeCache} and
 * read by {@link TensorOps#cachedAttention} up to {@link #length()}. Its tensors belong to the
 * cache: make it outside any TensorScope, or the scope frees them.
 */
final class Gpt2Cache implements KvCache, ForwardCache {

    private final Gpt2Model owner;
    private final Tensor[] keys;
    private final Tensor[] values;
    private final int batch;
    private final int capacity;
    private int length;
    private boolean closed;

    Gpt2Cache(Gpt2Model owner, TensorOps ops, Gpt2Config config, int batch, int capacity) {
        if (batch <= 0 || capacity <= 0) {
            throw new IllegalArgumentException("gpt2: a KV cache needs a positive batch and capacity,"
                    + " not batch " + batch + " capacity " + capacity);
        }
        this.owner = owner;
        this.batch = batch;
        this.capacity = capacity;
        Shape shape = Shape.of(batch, capacity, config.heads(), config.headDim());
        keys = new Tensor[config.layers()];
        values = new Tensor[config.layers()];
        for (int layer = 0; layer < config.layers(); layer++) {
            keys[layer] = ops.zeros(shape, DType.F32);
            values[layer] = ops.zeros(shape, DType.F32);
        }
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
    public Gpt2Model owner() {
        return owner;
    }

    @Override
    public int batch() {
        return batch;
    }

    @Override
    public void requireRoom(int seq) {
        checkOpen();
        if (length + seq > capacity) {
            throw new IllegalArgumentException("gpt2: the KV cache holds " + length + " of "
                    + capacity + " tokens; " + seq + " more do not fit");
        }
    }

    /** The caller's padding, over the cache and the new tokens. */
    @Override
    public Tensor mask(TensorOps ops, Tensor attentionMask, int seq) {
        return attentionMask == null ? null
                : PaddingMask.additive(ops, attentionMask, batch, seq, length + seq);
    }

    /** Every row appends at the cache's one length; queries are causal from there. */
    @Override
    public Tensor attend(TensorOps ops, int layer, Tensor q, Tensor k, Tensor v, Tensor mask,
            float scale) {
        int seq = q.shape().dim(1);
        ops.writeCache(keys(layer), k, length);
        ops.writeCache(values(layer), v, length);
        return ops.cachedAttention(q, keys(layer), values(layer), length + seq, mask,
                new AttentionOptions(true, scale, length));
    }

    Tensor keys(int layer) {
        checkOpen();
        return keys[layer];
    }

    Tensor values(int layer) {
        checkOpen();
        return values[layer];
    }

    /** Counts {@code tokens} more per sequence, once every layer has written them. */
    @Override
    public void advance(int tokens) {
        length += tokens;
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
            throw new IllegalStateException("gpt2: the KV cache is closed");
        }
    }
}
