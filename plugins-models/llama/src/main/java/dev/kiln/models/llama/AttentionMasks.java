package dev.kiln.models.llama;

import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.core.model.cache.MaskStrategy;

/**
 * The additive attention mask {@code [batch, seq, past + seq]} for what causality alone does
 * not cover: padded keys, keys of another packed segment, and keys outside a sliding window
 * (query at absolute position i sees key j only when {@code i - window < j}). Causality itself
 * is the attention kernel's. Blocked entries are {@code -inf}.
 *
 * <p>The attention mask holds a segment id per key: 0 for padding, and k > 0 for the packed
 * sample a token belongs to (Hugging Face's 1/0 mask is the one-segment case). A query sees a
 * key only when both belong to the same segment, so packed samples never attend to each other.
 */
final class AttentionMasks {

    private AttentionMasks() {}

    /**
     * The masks of a forward with a cache: padding, segments and the window for rows at one
     * length, causality and the window per row for the slots of a pool.
     *
     * @param window the sliding window, 0 for none
     */
    static MaskStrategy withWindow(int window) {
        return new MaskStrategy() {
            @Override
            public Tensor sameLength(TensorOps ops, Tensor attentionMask, int batch, int seq,
                    int past) {
                return additive(ops, attentionMask, batch, seq, past, window);
            }

            @Override
            public Tensor perRow(TensorOps ops, int[] lengths, int seq) {
                return MaskStrategy.causalPerRow(ops, lengths, seq, window);
            }
        };
    }

    /**
     * @param attentionMask I32 {@code [batch, past + seq]} of segment ids, or null for no padding
     * @param window the sliding window, 0 for none
     * @return the mask, or null when nothing is blocked
     */
    static Tensor additive(TensorOps ops, Tensor attentionMask, int batch, int seq, int past,
            int window) {
        int keys = past + seq;
        int[] segments = null;
        if (attentionMask != null) {
            if (attentionMask.dtype() != DType.I32
                    || !attentionMask.shape().equals(Shape.of(batch, keys))) {
                throw new IllegalArgumentException("attentionMask must be I32 [batch, cache length"
                        + " + seq] = [" + batch + ", " + keys + "], not " + attentionMask.shape()
                        + " " + attentionMask.dtype());
            }
            segments = attentionMask.toIntArray();
            for (int i = 0; i < segments.length; i++) {
                if (segments[i] < 0) {
                    throw new IllegalArgumentException("attentionMask holds " + segments[i]
                            + " at [" + i / keys + ", " + i % keys + "]; it must be 0 (padding) or"
                            + " a segment id > 0");
                }
            }
            if (oneSegmentPerRow(segments, keys)) {
                segments = null;
            }
        }
        boolean windowed = window > 0 && keys > window;
        if (segments == null && !windowed) {
            return null;
        }
        float[] mask = new float[batch * seq * keys];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < seq; i++) {
                int position = past + i;
                int row = (b * seq + i) * keys;
                int querySegment = segments == null ? 0 : segments[b * keys + position];
                for (int j = 0; j < keys; j++) {
                    boolean blocked = segments != null
                            && (segments[b * keys + j] == 0 || segments[b * keys + j] != querySegment);
                    boolean outside = windowed && j <= position - window;
                    if (blocked || outside) {
                        mask[row + j] = Float.NEGATIVE_INFINITY;
                    }
                }
            }
        }
        return ops.tensor(mask, Shape.of(batch, seq, keys));
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
