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
     * Logits {@code [batch, seq, vocab]} for token ids {@code [batch, seq]} (I32) at positions
     * {@code [batch, seq]} (I32); with a cache, attends to what it holds and appends to it.
     *
     * @param cache null for a training forward over whole sequences
     */
    Tensor forward(Tensor inputIds, Tensor positions, KvCache cache);

    /**
     * The forward of a batch of left-padded sequences: {@code attentionMask} (I32
     * {@code [batch, cacheLength + seq]}, 1 to attend, 0 for padding, as Hugging Face's
     * {@code attention_mask}) keeps every position from attending to the padding. Null means
     * no padding.
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
