package dev.kiln.core.tensor;

import dev.kiln.api.backend.RopeSpec;
import dev.kiln.api.tensor.AttentionOptions;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A one-block decoder: embedding → rmsNorm → q/k/v → rope → grouped-query attention → output
 * projection → residual → rmsNorm → SwiGLU MLP → residual → rmsNorm → logits → cross-entropy.
 */
final class TinyTransformer {

    static final int VOCAB = 11;
    static final int DIM = 8;
    static final int HEADS = 2;
    static final int KV_HEADS = 1;
    static final int HEAD_DIM = 4;
    static final int HIDDEN = 12;

    private final TensorOps ops;
    private final boolean checkpointBlock;
    private final RopeSpec rope = new RopeSpec(HEAD_DIM, HEAD_DIM, 10000, false, RopeSpec.Scaling.NONE);
    final Tensor embedding;
    final Tensor attentionNorm;
    final Tensor wq;
    final Tensor wk;
    final Tensor wv;
    final Tensor wo;
    final Tensor mlpNorm;
    final Tensor wGate;
    final Tensor wUp;
    final Tensor wDown;
    final Tensor finalNorm;
    final Tensor lmHead;

    TinyTransformer(TensorOps ops, long seed, boolean checkpointBlock) {
        this.ops = ops;
        this.checkpointBlock = checkpointBlock;
        Random random = new Random(seed);
        embedding = matrix(random, VOCAB, DIM);
        attentionNorm = ones(DIM);
        wq = matrix(random, HEADS * HEAD_DIM, DIM);
        wk = matrix(random, KV_HEADS * HEAD_DIM, DIM);
        wv = matrix(random, KV_HEADS * HEAD_DIM, DIM);
        wo = matrix(random, DIM, HEADS * HEAD_DIM);
        mlpNorm = ones(DIM);
        wGate = matrix(random, HIDDEN, DIM);
        wUp = matrix(random, HIDDEN, DIM);
        wDown = matrix(random, DIM, HIDDEN);
        finalNorm = ones(DIM);
        lmHead = matrix(random, VOCAB, DIM);
    }

    List<Tensor> parameters() {
        return List.of(embedding, attentionNorm, wq, wk, wv, wo, mlpNorm, wGate, wUp, wDown,
                finalNorm, lmHead);
    }

    /** The weight matrices, which get weight decay; the norms get none. */
    List<Tensor> matrices() {
        List<Tensor> matrices = new ArrayList<>(parameters());
        matrices.removeAll(norms());
        return matrices;
    }

    List<Tensor> norms() {
        return List.of(attentionNorm, mlpNorm, finalNorm);
    }

    /** Mean cross-entropy of predicting {@code targets [batch·seq]} from {@code ids [batch, seq]}. */
    Tensor loss(Tensor ids, Tensor positions, Tensor targets, long dropoutSeed) {
        int batch = ids.shape().dim(0);
        int seq = ids.shape().dim(1);
        Tensor x = ops.embedding(embedding, ids);
        Tensor h = checkpointBlock
                ? ops.checkpoint(in -> block(in.get(0), positions, dropoutSeed), List.of(x))
                : block(x, positions, dropoutSeed);
        Tensor logits = ops.linear(ops.rmsNorm(h, finalNorm, 1e-5f), lmHead, null);
        return ops.crossEntropy(ops.reshape(logits, Shape.of(batch * seq, VOCAB)), targets, -100);
    }

    private Tensor block(Tensor x, Tensor positions, long dropoutSeed) {
        int batch = x.shape().dim(0);
        int seq = x.shape().dim(1);
        Tensor h = ops.rmsNorm(x, attentionNorm, 1e-5f);
        Tensor q = ops.reshape(ops.linear(h, wq, null), Shape.of(batch, seq, HEADS, HEAD_DIM));
        Tensor k = ops.reshape(ops.linear(h, wk, null), Shape.of(batch, seq, KV_HEADS, HEAD_DIM));
        Tensor v = ops.reshape(ops.linear(h, wv, null), Shape.of(batch, seq, KV_HEADS, HEAD_DIM));
        Tensor attended = ops.attention(ops.rope(q, positions, rope), ops.rope(k, positions, rope), v,
                null, AttentionOptions.causalSelf());
        Tensor projected = ops.linear(ops.reshape(attended, Shape.of(batch, seq, HEADS * HEAD_DIM)),
                wo, null);
        Tensor residual = ops.add(x, ops.dropout(projected, 0.1f, dropoutSeed));
        Tensor m = ops.rmsNorm(residual, mlpNorm, 1e-5f);
        Tensor mlp = ops.linear(ops.swiglu(ops.linear(m, wGate, null), ops.linear(m, wUp, null)),
                wDown, null);
        return ops.add(residual, mlp);
    }

    private Tensor matrix(Random random, int rows, int cols) {
        float[] values = new float[rows * cols];
        double std = 1 / Math.sqrt(cols);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * std);
        }
        return ops.parameter(values, Shape.of(rows, cols));
    }

    private Tensor ones(int n) {
        float[] values = new float[n];
        java.util.Arrays.fill(values, 1f);
        return ops.parameter(values, Shape.of(n));
    }
}
