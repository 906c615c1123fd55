package dev.kiln.api.model;

import dev.kiln.api.tensor.Tensor;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A decoder-only language model, built by a {@link ModelFamily}. Parameters and layers carry the
 * names Hugging Face gives them ({@code model.layers.0.self_attn.q_proj.weight}), so checkpoints,
 * PEFT adapters and {@code --target_modules} line up with the Python ecosystem.
 */
@ConsumerType
public interface CausalLM {

    ModelConfig config();

    /** Every parameter by its Hugging Face name. */
    Map<String, Tensor> parameters();

    /** The linear layers by module name ({@code model.layers.0.mlp.down_proj}). */
    Map<String, LinearLayer> linearLayers();

    /**
     * Replaces a linear layer by what {@code wrapper} makes of it (a tuner's adapter around the
     * base layer); later forwards go through the replacement.
     *
     * @throws IllegalArgumentException when there is no layer of that name
     */
    void wrapLinear(String name, UnaryOperator<LinearLayer> wrapper);

    /** A cache for {@code batch} sequences of up to {@code capacity} tokens. */
    KvCache newCache(int batch, int capacity);

    /**
     * A pool of {@code slots} cache slots of {@code capacity} tokens each, for continuous
     * batching: see {@link KvCachePool}.
     *
     * @throws UnsupportedOperationException when the model does not offer one (the default)
     */
    default KvCachePool newCachePool(int slots, int capacity) {
        throw new UnsupportedOperationException(getClass().getName()
                + " has no KV-cache pool for continuous batching");
    }

    /**
     * The last hidden state {@code [batch, seq, hidden]}: what the LM head would read (after the
     * final norm, as Hugging Face's {@code last_hidden_state}), for embeddings. Arguments as
     * {@link #forward(Tensor, Tensor, Tensor, KvCache)} without a cache; {@code attentionMask}
     * (I32 {@code [batch, seq]}) may be null.
     *
     * @throws UnsupportedOperationException when the model does not offer it (the default)
     */
    default Tensor hiddenStates(Tensor inputIds, Tensor positions, Tensor attentionMask) {
        throw new UnsupportedOperationException(getClass().getName()
                + " does not expose its hidden states");
    }

    /**
     * Logits {@code [batch, seq, vocab]} for token ids {@code [batch, seq]} (I32) at positions
     * {@code [batch, seq]} (I32); with a cache, attends to what it holds and appends to it.
     *
     * @param cache null for a training forward over whole sequences
     */
    Tensor forward(Tensor inputIds, Tensor positions, KvCache cache);

    /**
     * The forward of a batch of padded or packed sequences. {@code attentionMask} (I32
     * {@code [batch, cacheLength + seq]}) holds 0 for padding and k > 0 for the segment a token
     * belongs to: a token attends only to earlier tokens of its own segment. Hugging Face's
     * {@code attention_mask} (1 to attend, 0 for padding) is the one-segment case; several
     * segments in a row are samples packed into one sequence (their positions restart at 0).
     * Null means no padding.
     *
     * @throws UnsupportedOperationException when the model cannot mask padding
     */
    default Tensor forward(Tensor inputIds, Tensor positions, Tensor attentionMask, KvCache cache) {
        if (attentionMask == null) {
            return forward(inputIds, positions, cache);
        }
        throw new UnsupportedOperationException(getClass().getName() + " cannot mask padding");
    }

    /**
     * Turns activation checkpointing on or off for later training forwards: each decoder layer
     * keeps only its input and runs again during backward (as transformers'
     * {@code gradient_checkpointing_enable}), trading compute for activation memory.
     *
     * @throws UnsupportedOperationException when turning it on for a model that cannot (the
     *     default)
     */
    default void setGradientCheckpointing(boolean enabled) {
        if (enabled) {
            throw new UnsupportedOperationException(getClass().getName()
                    + " does not support gradient checkpointing");
        }
    }

    /**
     * Restarts the model's random streams (dropout) from {@code seed}. A trainer calls it before
     * every optimizer step with a seed derived from the run's seed and the step, so a run resumed
     * from a checkpoint draws the dropout masks the uninterrupted run drew. The default does
     * nothing: for a model without randomness.
     */
    default void reseed(long seed) {}

    /**
     * The logits {@code [batch, vocab]} of each row's last position only: what generation needs
     * from a prefill or a decoding step. Rows are left-padded, so the last position is every
     * row's last token. The model runs its LM head on those positions alone, which saves a
     * {@code seq × vocab} product per prompt; otherwise as {@link #forward(Tensor, Tensor,
     * Tensor, KvCache)}.
     *
     * @throws UnsupportedOperationException when the model does not offer it (the default):
     *     take the last position of {@link #forward} instead
     */
    default Tensor forwardLast(Tensor inputIds, Tensor positions, Tensor attentionMask,
            KvCache cache) {
        throw new UnsupportedOperationException(getClass().getName()
                + " does not compute last-position logits alone; use forward");
    }
}
