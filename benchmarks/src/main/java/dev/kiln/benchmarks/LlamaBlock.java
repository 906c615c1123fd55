package dev.kiln.benchmarks;

import dev.kiln.api.backend.RopeSpec;
import dev.kiln.api.tensor.AttentionOptions;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One Llama decoder layer written with {@link TensorOps}, as Hugging Face's LlamaDecoderLayer
 * (no biases, rotate-half RoPE, causal grouped-query attention, SwiGLU MLP):
 *
 * <pre>
 * h   = x + o_proj(attention(rope(q_proj(n)), rope(k_proj(n)), v_proj(n)))    n = rmsNorm(x)
 * out = h + down_proj(silu(gate_proj(m)) · up_proj(m))                        m = rmsNorm(h)
 * </pre>
 *
 * torch_reference.py builds the same layer as a torch.nn.Module; the two are timed on the same
 * shapes.
 */
final class LlamaBlock {

    /**
     * The sizes of a layer.
     *
     * @param hidden the model width
     * @param heads query heads; the head size is hidden / heads
     * @param kvHeads key and value heads (grouped-query attention when fewer than heads)
     * @param intermediate the MLP's inner width
     */
    record Config(int hidden, int heads, int kvHeads, int intermediate) {

        Config {
            if (hidden % heads != 0 || heads % kvHeads != 0) {
                throw new IllegalArgumentException("hidden must be a multiple of heads, heads of kvHeads: "
                        + hidden + "/" + heads + "/" + kvHeads);
            }
        }

        /** {@code hidden/heads/kvHeads/intermediate}, e.g. {@code 768/12/12/2048}. */
        static Config parse(String text) {
            String[] parts = text.split("/");
            if (parts.length != 4) {
                throw new IllegalArgumentException("config is hidden/heads/kvHeads/intermediate: " + text);
            }
            return new Config(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]),
                    Integer.parseInt(parts[2]), Integer.parseInt(parts[3]));
        }

        int headDim() {
            return hidden / heads;
        }

        /** Weights of the seven linear layers: what the matmul FLOPs are counted from. */
        long matmulParameters() {
            long kv = (long) kvHeads * headDim();
            return (long) hidden * hidden * 2 + 2 * hidden * kv + 3L * hidden * intermediate;
        }

        /**
         * FLOPs of one forward and backward pass over {@code batch} sequences of {@code seq}
         * tokens: 6 per matmul weight and token (2 forward, 4 backward), plus causal attention
         * ({@link AttentionBenchmark#causalFlops}, forward and backward).
         */
        double trainingFlops(int batch, int seq) {
            double matmuls = 6.0 * matmulParameters() * batch * seq;
            return matmuls + 3 * AttentionBenchmark.causalFlops(batch, seq, heads, headDim());
        }
    }

    static final float RMS_EPS = 1e-5f;
    static final double ROPE_THETA = 10000;

    private final TensorOps ops;
    private final Config config;
    private final RopeSpec rope;
    final Tensor attentionNorm;
    final Tensor wq;
    final Tensor wk;
    final Tensor wv;
    final Tensor wo;
    final Tensor mlpNorm;
    final Tensor wGate;
    final Tensor wUp;
    final Tensor wDown;

    /** Parameters drawn as N(0, 0.02²) (Llama's initializer_range), norms at 1. */
    LlamaBlock(TensorOps ops, Config config, long seed) {
        this.ops = ops;
        this.config = config;
        this.rope = new RopeSpec(config.headDim(), config.headDim(), ROPE_THETA, false, RopeSpec.Scaling.NONE);
        SplittableRandom random = new SplittableRandom(seed);
        int hidden = config.hidden();
        int kv = config.kvHeads() * config.headDim();
        attentionNorm = ones(hidden);
        wq = matrix(random, hidden, hidden);
        wk = matrix(random, kv, hidden);
        wv = matrix(random, kv, hidden);
        wo = matrix(random, hidden, hidden);
        mlpNorm = ones(hidden);
        wGate = matrix(random, config.intermediate(), hidden);
        wUp = matrix(random, config.intermediate(), hidden);
        wDown = matrix(random, hidden, config.intermediate());
    }

    List<Tensor> parameters() {
        return List.of(attentionNorm, wq, wk, wv, wo, mlpNorm, wGate, wUp, wDown);
    }

    /** The layer's output {@code [batch, seq, hidden]} for {@code x [batch, seq, hidden]}. */
    Tensor forward(Tensor x, Tensor positions) {
        Tensor h = ops.add(x, selfAttention(ops.rmsNorm(x, attentionNorm, RMS_EPS), positions));
        Tensor m = ops.rmsNorm(h, mlpNorm, RMS_EPS);
        Tensor mlp = ops.linear(ops.swiglu(ops.linear(m, wGate, null), ops.linear(m, wUp, null)), wDown, null);
        return ops.add(h, mlp);
    }

    private Tensor selfAttention(Tensor x, Tensor positions) {
        int batch = x.shape().dim(0);
        int seq = x.shape().dim(1);
        Tensor q = splitHeads(ops.linear(x, wq, null), config.heads());
        Tensor k = splitHeads(ops.linear(x, wk, null), config.kvHeads());
        Tensor v = splitHeads(ops.linear(x, wv, null), config.kvHeads());
        q = ops.rope(q, positions, rope);
        k = ops.rope(k, positions, rope);
        Tensor attended = ops.attention(q, k, v, null, AttentionOptions.causalSelf());
        return ops.linear(ops.reshape(attended, Shape.of(batch, seq, config.hidden())), wo, null);
    }

    /** {@code [batch, seq, heads · headDim]} as {@code [batch, seq, heads, headDim]}. */
    private Tensor splitHeads(Tensor x, int heads) {
        return ops.reshape(x, Shape.of(x.shape().dim(0), x.shape().dim(1), heads, config.headDim()));
    }

    private Tensor matrix(SplittableRandom random, int rows, int cols) {
        return ops.parameter(Data.gaussian(random, rows * cols, 0.02), Shape.of(rows, cols));
    }

    private Tensor ones(int n) {
        float[] data = new float[n];
        Arrays.fill(data, 1f);
        return ops.parameter(data, Shape.of(n));
    }
}
