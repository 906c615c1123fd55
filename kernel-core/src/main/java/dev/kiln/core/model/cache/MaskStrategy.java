package dev.kiln.core.model.cache;

import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;

/**
 * The additive attention masks {@code [batch, seq, keys]} ({@code -inf} where a query must not
 * see a key) of a forward with a cache, for what causality alone does not cover. Causality
 * itself is the attention kernel's. The family supplies it: padding and packed segments for
 * every family, a sliding window for some ({@link #segments} gives both).
 *
 * <p>The caller's attention mask holds a segment id per key: 0 for padding, and k > 0 for the
 * packed sample a token belongs to (Hugging Face's 1/0 mask is the one-segment case). A query
 * sees a key only when both belong to the same segment, so packed samples never attend to each
 * other.
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
     * The masks of a family whose attention blocks padding, other segments and, with a window,
     * keys too far behind: {@link #segmentMask} for rows at one length, {@link #causalPerRow}
     * for the slots of a pool.
     *
     * @param family names the family in the refusals of a mask that does not fit
     * @param window the sliding window, 0 for none
     */
    static MaskStrategy segments(String family, int window) {
        return new MaskStrategy() {
            @Override
            public Tensor sameLength(TensorOps ops, Tensor attentionMask, int batch, int seq,
                    int past) {
                return segmentMask(family, ops, attentionMask, batch, seq, past, window);
            }

            @Override
            public Tensor perRow(TensorOps ops, int[] lengths, int seq) {
                return causalPerRow(ops, lengths, seq, window);
            }
        };
    }

    /**
     * The additive mask {@code [batch, seq, past + seq]} of rows that all hold {@code past}
     * tokens before this forward: query i of row b, at position {@code past + i}, is blocked
     * from key j when the key is padding, belongs to another segment than the query, or lies
     * outside the window ({@code j <= position - window}).
     *
     * @param family names the family in the refusals
     * @param attentionMask I32 {@code [batch, past + seq]} of segment ids, or null for no padding
     * @param window the sliding window, 0 for none
     * @return the mask, or null when nothing is blocked
     * @throws IllegalArgumentException naming the shapes or the value when the mask does not fit
     */
    static Tensor segmentMask(String family, TensorOps ops, Tensor attentionMask, int batch,
            int seq, int past, int window) {
        int keys = past + seq;
        int[] segments = attentionMask == null ? null
                : segmentIds(family, attentionMask, batch, keys);
        if (segments != null && oneSegmentPerRow(segments, keys)) {
            segments = null;
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
                    int keySegment = segments == null ? 0 : segments[b * keys + j];
                    boolean blocked = segments != null
                            && (keySegment == 0 || keySegment != querySegment);
                    boolean outside = windowed && j <= position - window;
                    if (blocked || outside) {
                        mask[row + j] = Float.NEGATIVE_INFINITY;
                    }
                }
            }
        }
        return ops.tensor(mask, Shape.of(batch, seq, keys));
    }

    /** The ids of an I32 {@code [batch, keys]} mask; another shape or a negative id is refused. */
    private static int[] segmentIds(String family, Tensor attentionMask, int batch, int keys) {
        if (attentionMask.dtype() != DType.I32
                || !attentionMask.shape().equals(Shape.of(batch, keys))) {
            throw new IllegalArgumentException(family + ": attention mask must be I32 [batch,"
                    + " cache length + seq] = " + Shape.of(batch, keys) + ", not "
                    + attentionMask.dtype() + " " + attentionMask.shape());
        }
        int[] segments = attentionMask.toIntArray();
        for (int i = 0; i < segments.length; i++) {
            if (segments[i] < 0) {
                throw new IllegalArgumentException(family + ": attention mask holds " + segments[i]
                        + " at [" + i / keys + ", " + i % keys + "]; it must be 0 (padding) or a"
                        + " segment id > 0");
            }
        }
        return segments;
    }

    /** Whether every row is one segment without padding: then the segments block nothing. */
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
