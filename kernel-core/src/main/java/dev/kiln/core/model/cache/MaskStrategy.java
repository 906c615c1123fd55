package dev.kiln.core.model.cache;

import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;

/**
 * The additive attention masks {@code [batch, seq, keys]} ({@code -inf} where a query must not
 * see a key) of a forward with a cache, for what causality alone does not cover. Causality
 * itself is the attention kernel's. The family supplies it: padding and packed segments for
 * every family, a sliding window for some.
 */
@FunctionalInterface
public interface MaskStrategy {

    /**
     * The mask of rows that all hold {@code past} tokens before this forward (a {@link
     * UniformKvCache}, or slots of a pool at one length), over {@code past + seq} keys.
     *
     * @param attentionMask the caller's I32 {@code [batch, past + seq]} padding/segment mask, or
     *     null for none
     * @return the mask, or null when nothing is blocked
     */
    Tensor sameLength(TensorOps ops, Tensor attentionMask, int batch, int seq, int past);

    /**
     * The mask of rows that each continue a sequence of their own length (the slots of a
     * {@link SlotKvCachePool}); they take no caller's mask. By default causality per row, as
     * {@link #causalPerRow} without a window.
     */
    default Tensor perRow(TensorOps ops, int[] lengths, int seq) {
        return causalPerRow(ops, lengths, seq, 0);
    }

    /**
     * Over the longest row's keys plus the new ones, row b's query i, at position {@code
     * lengths[b] + i}, sees keys {@code j <= lengths[b] + i} (and, with a window, only those with
     * {@code j > position - window}): nothing of what lies beyond its own sequence.
     *
     * @param window the sliding window, 0 for none
     */
    static Tensor causalPerRow(TensorOps ops, int[] lengths, int seq, int window) {
        int batch = lengths.length;
        int longest = 0;
        for (int length : lengths) {
            longest = Math.max(longest, length);
        }
        int keys = longest + seq;
        float[] mask = new float[batch * seq * keys];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < seq; i++) {
                int position = lengths[b] + i;
                int row = (b * seq + i) * keys;
                for (int j = 0; j < keys; j++) {
                    boolean ahead = j > position;
                    boolean outside = window > 0 && j <= position - window;
                    if (ahead || outside) {
                        mask[row + j] = Float.NEGATIVE_INFINITY;
                    }
                }
            }
        }
        return ops.tensor(mask, Shape.of(batch, seq, keys));
    }
}
