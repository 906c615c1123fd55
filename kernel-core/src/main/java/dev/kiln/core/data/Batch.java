package dev.kiln.core.data;

/**
 * One batch for a training or evaluation step: {@code rows} sequences of {@code seqLength}
 * tokens, each array row-major {@code [rows, seqLength]}, ready to become I32 tensors.
 *
 * <p>{@code attentionMask} follows the contract of
 * {@link dev.kiln.api.model.CausalLM#forward(dev.kiln.api.tensor.Tensor, dev.kiln.api.tensor.Tensor,
 * dev.kiln.api.tensor.Tensor, dev.kiln.api.model.KvCache) CausalLM.forward}: 0 for padding, and
 * k &gt; 0 for the segment (the packed sample) a token belongs to; a token attends only to earlier
 * tokens of its own segment. Without packing every real token is segment 1. Positions restart at
 * 0 with each segment; padding has position 0 and label {@link EncodedSample#IGNORE_INDEX}. When
 * packed, the first token of each segment is labelled {@code IGNORE_INDEX} too, so the loss never
 * asks one sample's last token to predict the next sample's first.
 *
 * @param rows the batch size (rows may be fewer than {@code --per_device_train_batch_size} in
 *     an epoch's last batch)
 * @param seqLength the padded length: the longest row of this batch
 * @param inputIds token ids; padding holds the pad id
 * @param positions position ids, restarting at 0 per segment
 * @param attentionMask segment ids, 0 for padding
 * @param labels as {@link EncodedSample#labels()}, unshifted
 * @param samples how many samples the batch holds (more than {@code rows} when packed)
 * @param trainableTokens labelled tokens after the shift: what the loss is averaged over
 */
public record Batch(int rows, int seqLength, int[] inputIds, int[] positions, int[] attentionMask,
        int[] labels, int samples, int trainableTokens) {

    public Batch {
        int n = rows * seqLength;
        if (inputIds.length != n || positions.length != n || attentionMask.length != n || labels.length != n) {
            throw new IllegalArgumentException("batch [" + rows + ", " + seqLength
                    + "]: every array must hold " + n + " values");
        }
    }

    /** {@code [rows, seqLength]}, the shape of each array. */
    public long[] shape() {
        return new long[] {rows, seqLength};
    }

    /** Non-padding tokens. */
    public int tokens() {
        int n = 0;
        for (int segment : attentionMask) {
            if (segment != 0) {
                n++;
            }
        }
        return n;
    }
}
