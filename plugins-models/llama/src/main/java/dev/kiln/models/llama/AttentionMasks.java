package dev.kiln.models.llama;

import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import java.util.Arrays;

/**
 * The additive attention mask {@code [batch, seq, past + seq]} for what causality alone does
 * not cover: padded keys (Hugging Face's attention_mask 0) and keys outside a sliding window
 * (query at absolute position i sees key j only when {@code i - window < j}). Causality itself
 * is the attention kernel's. Blocked entries are {@code -inf}.
 */
final class AttentionMasks {

    private AttentionMasks() {}

    /**
     * @param attentionMask I32 {@code [batch, past + seq]}, or null for no padding
     * @param window the sliding window, 0 for none
     * @return the mask, or null when nothing is blocked
     */
    static Tensor additive(TensorOps ops, Tensor attentionMask, int batch, int seq, int past,
            int window) {
        int keys = past + seq;
        int[] keep = null;
        if (attentionMask != null) {
            if (attentionMask.dtype() != DType.I32
                    || !attentionMask.shape().equals(Shape.of(batch, keys))) {
                throw new IllegalArgumentException("attentionMask must be I32 [batch, cache length"
                        + " + seq] = [" + batch + ", " + keys + "], not " + attentionMask.shape()
                        + " " + attentionMask.dtype());
            }
            keep = attentionMask.toIntArray();
            if (Arrays.stream(keep).allMatch(k -> k != 0)) {
                keep = null;
            }
        }
        boolean windowed = window > 0 && keys > window;
        if (keep == null && !windowed) {
            return null;
        }
        float[] mask = new float[batch * seq * keys];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < seq; i++) {
                int position = past + i;
                int row = (b * seq + i) * keys;
                for (int j = 0; j < keys; j++) {
                    boolean padded = keep != null && keep[b * keys + j] == 0;
                    boolean outside = windowed && j <= position - window;
                    if (padded || outside) {
                        mask[row + j] = Float.NEGATIVE_INFINITY;
                    }
                }
            }
        }
        return ops.tensor(mask, Shape.of(batch, seq, keys));
    }
}
