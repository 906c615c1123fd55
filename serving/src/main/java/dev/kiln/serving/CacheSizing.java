package dev.kiln.serving;

import dev.kiln.api.model.CausalLM;
import dev.kiln.api.model.KvCachePool;
import java.util.Optional;

/**
 * How many KV-cache slots of how many tokens a memory budget buys: each slot holds one
 * sequence of up to max_model_len tokens, so the slots are {@code max_num_seqs}, or fewer when
 * the budget cannot hold that many.
 *
 * @param slots sequences generated at once
 * @param capacity tokens per slot
 * @param bytesPerSlot what one slot costs
 * @param warning why there are fewer slots than asked, or empty
 */
record CacheSizing(int slots, int capacity, long bytesPerSlot, Optional<String> warning) {

    /** max_model_len when neither the user nor the model says: long enough, and a bounded pool. */
    static final int DEFAULT_MAX_MODEL_LEN = 4096;

    /**
     * @throws IllegalArgumentException when the budget holds no slot, or max_model_len exceeds
     *     the model's positions
     */
    static CacheSizing of(CausalLM model, ServerSettings settings) {
        Optional<Integer> positions = model.config().integer("max_position_embeddings")
                .or(() -> model.config().integer("n_positions"));
        int capacity;
        if (settings.maxModelLength() != null) {
            capacity = settings.maxModelLength();
            if (positions.isPresent() && capacity > positions.get()) {
                throw new IllegalArgumentException("--max_model_len " + capacity + " is longer than the"
                        + " model's " + positions.get() + " positions (max_position_embeddings)");
            }
        } else {
            capacity = Math.min(positions.orElse(DEFAULT_MAX_MODEL_LEN), DEFAULT_MAX_MODEL_LEN);
        }
        long perToken;
        try (KvCachePool probe = model.newCachePool(1, 1)) {
            perToken = probe.bytes();
        }
        long perSlot = perToken * capacity;
        long affordable = settings.kvCacheBytes() / perSlot;
        if (affordable < 1) {
            throw new IllegalArgumentException("--kv_cache_memory " + settings.kvCacheBytes()
                    + " bytes holds no sequence of " + capacity + " tokens (" + perSlot
                    + " bytes each); raise it or lower --max_model_len");
        }
        int slots = (int) Math.min(settings.maxNumSeqs(), affordable);
        Optional<String> warning = slots < settings.maxNumSeqs()
                ? Optional.of("the KV-cache budget (--kv_cache_memory " + settings.kvCacheBytes()
                        + " bytes) holds " + slots + " sequences of " + capacity + " tokens, not "
                        + settings.maxNumSeqs() + " (--max_num_seqs); raise it or lower --max_model_len")
                : Optional.empty();
        return new CacheSizing(slots, capacity, perSlot, warning);
    }
}
