package dev.kiln.models.gpt2;

import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.core.model.cache.MaskStrategy;

/**
 * Turns the attention mask (I32 {@code [batch, keys]}: 0 for padding, k > 0 for the segment a
 * token belongs to; Hugging Face's 1/0 {@code attention_mask} is the one-segment case) into the
 * additive mask fused attention takes: {@code [batch, queries, keys]}, 0 where a key may be seen
 * and −∞ at padding and at keys of another segment, so samples packed into one row never attend
 * to each other. Causality is the attention's own option, not part of it.
 */
final class PaddingMask {

    private PaddingMask() {}

    /**
     * The masks of a forward with a cache: the caller's padding over the cache and the new
     * tokens; per slot of a pool, causality alone (the default per-row mask).
     */
    static MaskStrategy forCache() {
        return (ops, attentionMask, batch, seq, past) -> attentionMask == null ? null
                : additive(ops, attentionMask, batch, seq, past + seq);
    }

    /**
     * @param keys the keys attended: the cache's length before this forward plus its tokens
     * @return the mask, or null when nothing is blocked
     * @throws IllegalArgumentException naming the shapes or the value when the mask does not fit
     */
    static Tensor additive(TensorOps ops, Tensor attentionMask, int batch, int queries, int keys) {
        if (attentionMask.dtype() != DType.I32
                || !attentionMask.shape().equals(Shape.of(batch, keys))) {
            throw new IllegalArgumentException("gpt2: attention mask must be I32 [batch, cache length"
                    + " + seq] = " + Shape.of(batch, keys) + ", not " + attentionMask.dtype() + " "
                    + attentionMask.shape());
        }
        int[] segments = attentionMask.toIntArray();
        for (int i = 0; i < segments.length; i++) {
            if (segments[i] < 0) {
                throw new IllegalArgumentException("gpt2: attention mask holds " + segments[i]
                        + " at [" + i / keys + ", " + i % keys + "]; it must be 0 (padding) or a"
                        + " segment id > 0");
            }
        }
        if (oneSegmentPerRow(segments, keys)) {
            return null;
        }
        int past = keys - queries;
        float[] additive = new float[batch * queries * keys];
        for (int b = 0; b < batch; b++) {
            for (int q = 0; q < queries; q++) {
                int querySegment = segments[b * keys + past + q];
                int row = (b * queries + q) * keys;
                for (int k = 0; k < keys; k++) {
                    int keySegment = segments[b * keys + k];
                    if (keySegment == 0 || keySegment != querySegment) {
                        additive[row + k] = Float.NEGATIVE_INFINITY;
                    }
                }
            }
        }
        return ops.tensor(additive, Shape.of(batch, queries, keys));
    }

    /** Whether every row is one segment without padding: then the mask blocks nothing. */
    private static boolean oneSegmentPerRow(int[] segments, int keys) {
        for (int start = 0; start < segments.length; start += keys) {
            for (int j = start; j < start + keys; j++) {
                if (segments[j] == 0 || segments[j] != segments[start]) {
                    return false;
                }
            }
        }
        return true;
    }
}
