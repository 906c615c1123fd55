package dev.kiln.models.llama;

import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;

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

    /**
     * The mask of rows that each continue a sequence of their own length (the slots of a cache
     * pool): over the longest row's keys plus the new ones, row b's query i, at position
     * {@code lengths[b] + i}, sees keys {@code j <= lengths[b] + i} (within the window), and
     * nothing of what lies beyond its own sequence.
     */
    static Tensor perRow(TensorOps ops, int[] lengths, int seq, int window) {
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
