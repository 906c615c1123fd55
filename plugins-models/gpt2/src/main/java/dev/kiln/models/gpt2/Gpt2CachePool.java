package dev.kiln.models.gpt2;

import dev.kiln.api.model.KvCache;
import dev.kiln.api.model.KvCachePool;
import dev.kiln.api.tensor.AttentionOptions;
import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tensor.TensorScope;

/**
 * Cache slots for continuous batching: per layer one F32 tensor of keys and one of values,
 * {@code [slots, capacity, kvHeads, headDim]}, and a length per slot. A forward over
 * {@link #rows} reads and writes a contiguous run of slots in place (a narrow of the leading
 * dimension is a view).
 */
final class Gpt2CachePool implements KvCachePool {

    private final Gpt2Model owner;
    private final TensorOps ops;
    private final int slots;
    private final int capacity;
    private final Tensor[] keys;
    private final Tensor[] values;
    private final int[] lengths;
    private final long bytes;
    private boolean closed;

    Gpt2CachePool(Gpt2Model owner, TensorOps ops, Gpt2Config config, int slots, int capacity) {
        if (slots < 1 || capacity < 1) {
            throw new IllegalArgumentException("gpt2: a KV cache pool needs positive slots and"
                    + " capacity, not slots " + slots + " capacity " + capacity);
        }
        this.owner = owner;
        this.ops = ops;
        this.slots = slots;
        this.capacity = capacity;
        this.lengths = new int[slots];
        Shape shape = Shape.of(slots, capacity, config.heads(), config.headDim());
        keys = new Tensor[config.layers()];
        values = new Tensor[config.layers()];
        for (int layer = 0; layer < config.layers(); layer++) {
            keys[layer] = ops.zeros(shape, DType.F32);
            values[layer] = ops.zeros(shape, DType.F32);
        }
        this.bytes = 2L * config.layers() * shape.numel() * Float.BYTES;
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
                for (int layer = 0; layer < keys.length; layer++) {
                    copyTokens(keys[layer], from, to, length);
                    copyTokens(values[layer], from, to, length);
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
            throw new IllegalArgumentException("gpt2: kv cache pool: rows [" + first + ", " + first
                    + " + " + count + ") are outside its " + slots + " slots");
        }
        return new Rows(first, count);
    }

    @Override
    public long bytes() {
        return bytes;
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

    private void checkSlot(int slot) {
        if (slot < 0 || slot >= slots) {
            throw new IllegalArgumentException("gpt2: kv cache pool: slot " + slot + " is outside 0.."
                    + (slots - 1));
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("gpt2: the KV cache pool is closed");
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
        public Gpt2Model owner() {
            return owner;
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
                    throw new IllegalArgumentException("gpt2: kv cache pool: slot " + (first + r)
                            + " holds " + lengths[first + r] + " of " + capacity + " tokens; "
                            + seq + " more do not fit");
                }
            }
        }

        /**
         * Each row's queries see its own keys up to their position: a mask over the longest
         * row's keys, unless every row has the same length (then causality says it all).
         */
        @Override
        public Tensor mask(TensorOps ops, Tensor attentionMask, int seq) {
            if (attentionMask != null) {
                throw new IllegalArgumentException("gpt2: the rows of a KV cache pool take no"
                        + " attention mask; each slot's length says where its keys end");
            }
            return uniform() ? null : PaddingMask.perRow(ops, rowLengths(), seq);
        }

        @Override
        public Tensor attend(TensorOps ops, int layer, Tensor q, Tensor k, Tensor v, Tensor mask,
                float scale) {
            int seq = q.shape().dim(1);
            Tensor rowKeys = ops.narrow(keys[layer], 0, first, count);
            Tensor rowValues = ops.narrow(values[layer], 0, first, count);
            if (uniform()) {
                int past = lengths[first];
                ops.writeCache(rowKeys, k, past);
                ops.writeCache(rowValues, v, past);
                return ops.cachedAttention(q, rowKeys, rowValues, past + seq, mask,
                        new AttentionOptions(true, scale, past));
            }
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
