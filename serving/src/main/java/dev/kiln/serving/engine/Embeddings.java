package dev.kiln.serving.engine;

import dev.kiln.api.model.CausalLM;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tensor.TensorScope;

/** Sentence embeddings from a causal LM: its last hidden states, mean-pooled and L2-normalized. */
final class Embeddings {

    private Embeddings() {}

    /**
     * The mean over the tokens of {@code ids} of the model's last hidden state, scaled to unit
     * length (as OpenAI's embeddings are, so a dot product is the cosine similarity).
     */
    @SuppressWarnings("try") // the scope frees the forward's tensors by being open
    static float[] meanPooled(CausalLM model, TensorOps ops, int[] ids) {
        int[] positions = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            positions[i] = i;
        }
        float[] hidden;
        try (TensorScope forward = ops.scope()) {
            hidden = model.hiddenStates(ops.tensor(ids, Shape.of(1, ids.length)),
                    ops.tensor(positions, Shape.of(1, ids.length)), null).toFloatArray();
        }
        return normalized(mean(hidden, ids.length));
    }

    /** The mean of the {@code rows} rows of a row-major matrix. */
    static float[] mean(float[] matrix, int rows) {
        int width = matrix.length / rows;
        double[] sum = new double[width];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < width; c++) {
                sum[c] += matrix[r * width + c];
            }
        }
        float[] mean = new float[width];
        for (int c = 0; c < width; c++) {
            mean[c] = (float) (sum[c] / rows);
        }
        return mean;
    }

    /** {@code v / |v|}; a zero vector stays zero. */
    static float[] normalized(float[] v) {
        double norm = 0;
        for (float x : v) {
            norm += (double) x * x;
        }
        norm = Math.sqrt(norm);
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = norm == 0 ? 0 : (float) (v[i] / norm);
        }
        return out;
    }
}
