package dev.kiln.models.gpt2;

import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import java.util.Arrays;

/**
 * Turns Hugging Face's {@code attention_mask} (I32 {@code [batch, keys]}, 1 to attend, 0 for
 * padding) into the additive mask fused attention takes: {@code [batch, queries, keys]}, 0 where
 * a key may be seen and −∞ at padding. Causality is the attention's own option, not part of it.
 */
final class PaddingMask {

    private PaddingMask() {}

    /**
     * @param keys the keys attended: the cache's length before this forward plus its tokens
     * @return the mask, or null when nothing is padded
     * @throws IllegalArgumentException naming the shapes or the value when the mask does not fit
     */
    static Tensor additive(TensorOps ops, Tensor attentionMask, int batch, int queries, int keys) {
        if (attentionMask.dtype() != DType.I32
                || !attentionMask.shape().equals(Shape.of(batch, keys))) {
            throw new IllegalArgumentException("gpt2: attention mask must be I32 [batch, cache length"
                    + " + seq] = " + Shape.of(batch, keys) + ", not " + attentionMask.dtype() + " "
                    + attentionMask.shape());
        }
        int[] mask = attentionMask.toIntArray();
        if (Arrays.stream(mask).allMatch(v -> v == 1)) {
            return null;
        }
        float[] additive = new float[batch * queries * keys];
        for (int b = 0; b < batch; b++) {
            for (int k = 0; k < keys; k++) {
                int value = mask[b * keys + k];
                if (value != 0 && value != 1) {
                    throw new IllegalArgumentException("gpt2: attention mask holds " + value
                            + " at [" + b + ", " + k + "]; it must be 0 or 1");
                }
                if (value == 0) {
                    for (int q = 0; q < queries; q++) {
                        additive[(b * queries + q) * keys + k] = Float.NEGATIVE_INFINITY;
                    }
                }
            }
        }
        return ops.tensor(additive, Shape.of(batch, queries, keys));
    }
}
