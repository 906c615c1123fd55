package dev.kiln.core.model.cache;

import dev.kiln.api.model.KvCache;
import dev.kiln.api.tensor.AttentionOptions;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;

/**
 * A KV cache whose rows all hold the same number of tokens (left-padded batches; the caller's
 * attention mask says which are padding): per layer F32 keys and values {@code [batch, capacity,
 * kvHeads, headDim]}, filled in place by {@link TensorOps#writeCache} and read by {@link
 * TensorOps#cachedAttention} up to {@link #length()}. Its tensors belong to the cache: make it
 * outside any TensorScope, or the scope frees them.
 */
public final class UniformKvCache implements KvCache, ForwardCache {

    private final CacheSpec spec;
    private final TensorOps ops;
    private final int batch;
    private final int capacity;
    private final LayerTensors tensors;
    private int length;

    /** @throws IllegalArgumentException when {@code batch} or {@code capacity} is not positive */
    public UniformKvCache(CacheSpec spec, TensorOps ops, int batch, int capacity) {
        if (batch < 1 || capacity < 1) {
            throw new IllegalArgumentException(spec.family() + ": a KV cache needs a positive batch"
                    + " and capacity, not batch " + batch + " capacity " + capacity);
        }
        this.spec = spec;
        this.ops = ops;
        this.batch = batch;
        this.capacity = capacity;
        this.tensors = new LayerTensors(ops, spec, batch, capacity);
    }

    @Override
    public Object owner() {
        return spec.owner();
    }

    @Override
    public int batch() {
        return batch;
    }

    /** Checks that {@code seq} more tokens fit, before a forward writes them. */
    @Override
    public void requireRoom(int seq) {
        checkOpen();
        if (length + seq > capacity) {
            throw new IllegalArgumentException(spec.family() + ": the KV cache holds " + length
                    + " of " + capacity + " tokens; " + seq + " more do not fit");
        }
    }

    /** The caller's padding (and whatever else the family masks), over the cache and the new tokens. */
    @Override
    public Tensor mask(Tensor attentionMask, int seq) {
        return spec.masks().sameLength(ops, attentionMask, batch, seq, length);
    }

    /** Every row appends at the cache's one length; queries are causal from there. */
    @Override
    public Tensor attend(int layer, Tensor q, Tensor k, Tensor v, Tensor mask, float scale) {
        checkOpen();
        int seq = q.shape().dim(1);
        Tensor keys = tensors.keys(layer);
        Tensor values = tensors.values(layer);
        ops.writeCache(keys, k, length);
        ops.writeCache(values, v, length);
        return ops.cachedAttention(q, keys, values, length + seq, mask,
                new AttentionOptions(true, scale, length));
    }

    /** Counts {@code seq} tokens written to every layer. */
    @Override
    public void advance(int seq) {
        length += seq;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    /** The bytes its keys and values take. */
    public long bytes() {
        return tensors.bytes();
    }

    @Override
    public void clear() {
        length = 0;
    }

    @Override
    public void close() {
        tensors.close();
    }

    private void checkOpen() {
        if (tensors.closed()) {
            throw new IllegalStateException(spec.family() + ": the KV cache is closed");
        }
    }
}
