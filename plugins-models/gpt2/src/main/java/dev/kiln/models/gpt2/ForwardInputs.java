package dev.kiln.models.gpt2;

import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.core.model.cache.ForwardCache;

/**
 * Checks what a forward is given before any op runs, so that a wrong call fails with GPT-2's
 * terms (vocab_size, n_positions, the cache) rather than deep inside a kernel.
 */
final class ForwardInputs {

    private ForwardInputs() {}

    /**
     * @throws IllegalArgumentException naming the tensor, its shape or the offending value
     */
    static void check(Gpt2Config config, Tensor inputIds, Tensor positions, ForwardCache cache) {
        if (inputIds.dtype() != DType.I32 || inputIds.shape().rank() != 2
                || inputIds.shape().numel() == 0) {
            throw new IllegalArgumentException("gpt2: input ids must be I32 [batch, seq], not "
                    + inputIds.dtype() + " " + inputIds.shape());
        }
        if (positions.dtype() != DType.I32 || !positions.shape().equals(inputIds.shape())) {
            throw new IllegalArgumentException("gpt2: positions must be I32 " + inputIds.shape()
                    + " like the input ids, not " + positions.dtype() + " " + positions.shape());
        }
        int batch = inputIds.shape().dim(0);
        int seq = inputIds.shape().dim(1);
        if (cache != null) {
            if (cache.batch() != batch) {
                throw new IllegalArgumentException("gpt2: the KV cache holds " + cache.batch()
                        + " sequences, the input " + batch);
            }
            cache.requireRoom(seq);
        }
        inRange(inputIds.toIntArray(), config.vocabSize(), seq, "token id", "vocab_size");
        inRange(positions.toIntArray(), config.positions(), seq, "position", "n_positions");
    }

    private static void inRange(int[] values, int limit, int seq, String what, String key) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] < 0 || values[i] >= limit) {
                throw new IllegalArgumentException("gpt2: " + what + " " + values[i] + " at ["
                        + i / seq + ", " + i % seq + "] is outside 0.." + (limit - 1) + " ("
                        + key + " " + limit + ")");
            }
        }
    }
}
