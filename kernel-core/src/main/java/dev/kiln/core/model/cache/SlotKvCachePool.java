package dev.kiln.core.model.cache;

import dev.kiln.api.model.KvCache;
import dev.kiln.api.model.KvCachePool;
import dev.kiln.api.tensor.AttentionOptions;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tensor.TensorScope;

/**
 * Cache slots for continuous batching: per layer one F32 tensor of keys and one of values,
 * {@code [slots, capacity, kvHeads, headDim]}, and a length per slot. A forward over
 * {@link #rows} reads and writes a contiguous run of slots in place (a narrow of the leading
 * dimension is a view). Its tensors belong to the pool: make it outside any TensorScope.
 */
public final class SlotKvCachePool implements KvCachePool {

    private final CacheSpec spec;
    private final TensorOps ops;
    private final int slots;
    private final int capacity;
    private final LayerTensors tensors;
    private final int[] lengths;

    /** @throws IllegalArgumentException when {@code slots} or {@code capacity} is not positive */
    public SlotKvCachePool(CacheSpec spec, TensorOps ops, int slots, int capacity) {
        if (slots < 1 || capacity < 1) {
            throw new IllegalArgumentException(spec.family() + ": a KV cache pool needs positive"
                    + " slots and capacity, not slots " + slots + " capacity " + capacity);
        }
        this.spec = spec;
        this.ops = ops;
        this.slots = slots;
        this.capacity = capacity;
        this.lengths = new int[slots];
        this.tensors = new LayerTensors(ops, spec, slots, capacity);
    }

    @Override
    public int slots() {
        return slots;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public int length(int slot) {
        checkSlot(slot);
        return lengths[slot];
    }

    @Override
    public void clear(int slot) {
        checkSlot(slot);
        lengths[slot] = 0;
    }

    @Override
    @SuppressWarnings("try") // the scope frees the views by being open
    public void copy(int from, int to) {
        checkSlot(from);
        checkSlot(to);
        checkOpen();
        int length = lengths[from];
        if (from != to && length > 0) {
            try (TensorScope views = ops.scope()) {
                for (int layer = 0; layer < tensors.layers(); layer++) {
                    copyTokens(tensors.keys(layer), from, to, length);
                    copyTokens(tensors.values(layer), from, to, length);
                }
            }
        }
        lengths[to] = length;
    }

    private void copyTokens(Tensor cache, int from, int to, int length) {
        Tensor source = ops.narrow(ops.narrow(cache, 0, from, 1), 1, 0, length);
        ops.writeCache(ops.narrow(cache, 0, to, 1), source, 0);
    }

    @Override
    public KvCache rows(int first, int count) {
        checkOpen();
        if (first < 0 || count < 1 || (long) first + count > slots) {
            throw new IllegalArgumentException(spec.family() + ": kv cache pool: rows [" + first
                    + ", " + first + " + " + count + ") are outside its " + slots + " slots");
        }
        return new Rows(first, count);
    }

    @Override
    public long bytes() {
        return tensors.bytes();
    }

    @Override
    public void close() {
        tensors.close();
    }

    private void checkSlot(int slot) {
        if (slot < 0 || slot >= slots) {
            throw new IllegalArgumentException(spec.family() + ": kv cache pool: slot " + slot
                    + " is outside 0.." + (slots - 1));
        }
    }

    private void checkOpen() {
        if (tensors.closed()) {
            throw new IllegalStateException(spec.family() + ": the KV cache pool is closed");
        }
    }

    /** Slots {@code [first, first + count)} as the cache of one forward, each at its own length. */
    private final class Rows implements KvCache, ForwardCache {

        private final int first;
        private final int count;

        Rows(int first, int count) {
            this.first = first;
            this.count = count;
        }

        @Override
        public Object owner() {
            return spec.owner();
        }

        @Override
        public int batch() {
            return count;
        }

        @Override
        public void requireRoom(int seq) {
            checkOpen();
            for (int r = 0; r < count; r++) {
                if (lengths[first + r] + seq > capacity) {
                    throw new IllegalArgumentException(spec.family() + ": kv cache pool: slot "
                            + (first + r) + " holds " + lengths[first + r] + " of " + capacity
                            + " tokens; " + seq + " more do not fit");
                }
            }
        }

        /**
         * Each row's queries see its own keys up to their position: a mask over the longest
         * row's keys, unless every row has the same length (then it is a uniform cache's).
         */
        @Override
        public Tensor mask(Tensor attentionMask, int seq) {
            if (attentionMask != null) {
                throw new IllegalArgumentException(spec.family() + ": the rows of a KV cache pool"
                        + " take no attention mask; each slot's length says where its keys end");
            }
            if (uniform()) {
                return spec.masks().sameLength(ops, null, count, seq, lengths[first]);
            }
            return spec.masks().perRow(ops, rowLengths(), seq);
        }

        @Override
        public Tensor attend(int layer, Tensor q, Tensor k, Tensor v, Tensor mask, float scale) {
            checkOpen();
            int seq = q.shape().dim(1);
            Tensor rowKeys = ops.narrow(tensors.keys(layer), 0, first, count);
            Tensor rowValues = ops.narrow(tensors.values(layer), 0, first, count);
            if (uniform()) {
                int past = lengths[first];
                ops.writeCache(rowKeys, k, past);
                ops.writeCache(rowValues, v, past);
                return ops.cachedAttention(q, rowKeys, rowValues, past + seq, mask,
                        new AttentionOptions(true, scale, past));
            }
            // causality per row is the mask's: the kernel's own is from one offset for all rows
            for (int r = 0; r < count; r++) {
                int past = lengths[first + r];
                ops.writeCache(ops.narrow(rowKeys, 0, r, 1), ops.narrow(k, 0, r, 1), past);
                ops.writeCache(ops.narrow(rowValues, 0, r, 1), ops.narrow(v, 0, r, 1), past);
            }
            return ops.cachedAttention(q, rowKeys, rowValues, longest() + seq, mask,
                    new AttentionOptions(false, scale, 0));
        }

        @Override
        public void advance(int seq) {
            for (int r = 0; r < count; r++) {
                lengths[first + r] += seq;
            }
        }

        /** The longest row's length. */
        @Override
        public int length() {
            return longest();
        }

        @Override
        public int capacity() {
            return capacity;
        }

        /** Empties its slots. */
        @Override
        public void clear() {
            for (int r = 0; r < count; r++) {
                lengths[first + r] = 0;
            }
        }

        /** Nothing: the memory is the pool's. */
        @Override
        public void close() {}

        private boolean uniform() {
            for (int r = 1; r < count; r++) {
                if (lengths[first + r] != lengths[first]) {
                    return false;
                }
            }
            return true;
        }

        private int longest() {
            int longest = 0;
            for (int r = 0; r < count; r++) {
                longest = Math.max(longest, lengths[first + r]);
            }
            return longest;
        }

        private int[] rowLengths() {
            int[] rows = new int[count];
            System.arraycopy(lengths, first, rows, 0, count);
            return rows;
        }
    }
}
