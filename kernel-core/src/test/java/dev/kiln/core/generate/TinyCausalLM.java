package dev.kiln.core.generate;

import dev.kiln.api.backend.RopeSpec;
import dev.kiln.api.model.CausalLM;
import dev.kiln.api.model.KvCache;
import dev.kiln.api.model.LinearLayer;
import dev.kiln.api.model.ModelConfig;
import dev.kiln.api.tensor.AttentionOptions;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;

/**
 * A small real Llama-style decoder for the generator's tests, written with {@link TensorOps}
 * after GoldenLlama (kernel-core's tensor tests): embedding, then per layer RMSNorm → q/k/v →
 * RoPE → causal grouped-query attention → o_proj → residual → RMSNorm → SwiGLU MLP → residual,
 * then RMSNorm → lm_head. Random weights from a seed.
 *
 * <p>Its {@link KvCache} keeps keys and values on the host and uploads them for each forward: the
 * simplest cache that survives the generator's per-step tensor scopes. The attention mask of a
 * left-padded batch becomes an additive mask of -1e9 on the padded keys.
 */
final class TinyCausalLM implements CausalLM {

    static final int DIM = 32;
    static final int HEADS = 4;
    static final int KV_HEADS = 2;
    static final int HEAD_DIM = 8;
    static final int HIDDEN = 48;
    static final int LAYERS = 2;

    private final TensorOps ops;
    private final int vocab;
    private final ModelConfig config;
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    /** How often {@link #forwardLast} ran. */
    int lastOnlyCalls;
    private final RopeSpec rope = new RopeSpec(HEAD_DIM, HEAD_DIM, 10000, false, RopeSpec.Scaling.NONE);

    TinyCausalLM(TensorOps ops, int vocab, long seed) {
        this.ops = ops;
        this.vocab = vocab;
        this.config = new ModelConfig(Map.of("model_type", "llama", "vocab_size", vocab,
                "hidden_size", DIM, "num_hidden_layers", LAYERS, "max_position_embeddings", 256),
                "TinyCausalLM");
        Random random = new Random(seed);
        parameters.put("model.embed_tokens.weight", matrix(random, vocab, DIM, Math.sqrt(DIM)));
        for (int i = 0; i < LAYERS; i++) {
            String p = "model.layers." + i + ".";
            parameters.put(p + "input_layernorm.weight", ones(DIM));
            parameters.put(p + "self_attn.q_proj.weight", matrix(random, HEADS * HEAD_DIM, DIM, 1.0));
            parameters.put(p + "self_attn.k_proj.weight", matrix(random, KV_HEADS * HEAD_DIM, DIM, 1.0));
            parameters.put(p + "self_attn.v_proj.weight", matrix(random, KV_HEADS * HEAD_DIM, DIM, 1.0));
            parameters.put(p + "self_attn.o_proj.weight", matrix(random, DIM, HEADS * HEAD_DIM, 1.0));
            parameters.put(p + "post_attention_layernorm.weight", ones(DIM));
            parameters.put(p + "mlp.gate_proj.weight", matrix(random, HIDDEN, DIM, 1.0));
            parameters.put(p + "mlp.up_proj.weight", matrix(random, HIDDEN, DIM, 1.0));
            parameters.put(p + "mlp.down_proj.weight", matrix(random, DIM, HIDDEN, 1.0));
        }
        parameters.put("model.norm.weight", ones(DIM));
        // large output weights make the next token clear-cut, so greedy paths have no near-ties
        parameters.put("lm_head.weight", matrix(random, vocab, DIM, 4.0));
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public Map<String, Tensor> parameters() {
        return parameters;
    }

    @Override
    public Map<String, LinearLayer> linearLayers() {
        return Map.of();
    }

    @Override
    public void wrapLinear(String name, UnaryOperator<LinearLayer> wrapper) {
        throw new IllegalArgumentException("TinyCausalLM has no linear layer objects: " + name);
    }

    @Override
    public KvCache newCache(int batch, int capacity) {
        return new HostCache(batch, capacity);
    }

    @Override
    public Tensor forward(Tensor inputIds, Tensor positions, KvCache cache) {
        return forward(inputIds, positions, null, cache);
    }

    @Override
    public Tensor forward(Tensor inputIds, Tensor positions, Tensor attentionMask, KvCache cache) {
        return ops.linear(ops.rmsNorm(hidden(inputIds, positions, attentionMask, cache),
                parameters.get("model.norm.weight"), 1e-6f), parameters.get("lm_head.weight"), null);
    }

    /** The last decoder layer's output {@code [batch, seq, dim]}. */
    private Tensor hidden(Tensor inputIds, Tensor positions, Tensor attentionMask, KvCache cache) {
        int batch = inputIds.shape().dim(0);
        int seq = inputIds.shape().dim(1);
        HostCache hostCache = (HostCache) cache;
        int offset = hostCache == null ? 0 : hostCache.length;
        if (hostCache != null && offset + seq > hostCache.capacity) {
            throw new IllegalStateException("cache of " + hostCache.capacity + " tokens is full");
        }
        Tensor additiveMask = attentionMask == null ? null : additiveMask(attentionMask, batch, seq, offset);
        Tensor x = ops.embedding(parameters.get("model.embed_tokens.weight"), inputIds);
        for (int i = 0; i < LAYERS; i++) {
            String p = "model.layers." + i + ".";
            Tensor h = ops.rmsNorm(x, parameters.get(p + "input_layernorm.weight"), 1e-6f);
            Tensor q = heads(ops.linear(h, parameters.get(p + "self_attn.q_proj.weight"), null), HEADS);
            Tensor k = heads(ops.linear(h, parameters.get(p + "self_attn.k_proj.weight"), null), KV_HEADS);
            Tensor v = heads(ops.linear(h, parameters.get(p + "self_attn.v_proj.weight"), null), KV_HEADS);
            q = ops.rope(q, positions, rope);
            k = ops.rope(k, positions, rope);
            if (hostCache != null) {
                k = hostCache.appendAndRead(i, 0, k, offset);
                v = hostCache.appendAndRead(i, 1, v, offset);
            }
            Tensor attended = ops.attention(q, k, v, additiveMask, AttentionOptions.causalFrom(offset));
            x = ops.add(x, ops.linear(ops.reshape(attended, Shape.of(batch, seq, HEADS * HEAD_DIM)),
                    parameters.get(p + "self_attn.o_proj.weight"), null));
            Tensor m = ops.rmsNorm(x, parameters.get(p + "post_attention_layernorm.weight"), 1e-6f);
            Tensor mlp = ops.swiglu(ops.linear(m, parameters.get(p + "mlp.gate_proj.weight"), null),
                    ops.linear(m, parameters.get(p + "mlp.up_proj.weight"), null));
            x = ops.add(x, ops.linear(mlp, parameters.get(p + "mlp.down_proj.weight"), null));
        }
        if (hostCache != null) {
            hostCache.length += seq;
        }
        return x;
    }

    /** As a family does it: the LM head on the last position only, {@code [batch, vocab]}. */
    @Override
    public Tensor forwardLast(Tensor inputIds, Tensor positions, Tensor attentionMask, KvCache cache) {
        lastOnlyCalls++;
        Tensor hidden = hidden(inputIds, positions, attentionMask, cache);
        int seq = inputIds.shape().dim(1);
        Tensor last = ops.narrow(hidden, 1, seq - 1, 1);
        Tensor logits = ops.linear(ops.rmsNorm(last, parameters.get("model.norm.weight"), 1e-6f),
                parameters.get("lm_head.weight"), null);
        return ops.reshape(logits, Shape.of(inputIds.shape().dim(0), vocab));
    }

    /** {@code [batch, seq, offset + seq]}: 0 where the key may be attended, -1e9 on padding. */
    private Tensor additiveMask(Tensor attentionMask, int batch, int seq, int offset) {
        int keys = offset + seq;
        if (!attentionMask.shape().equals(Shape.of(batch, keys))) {
            throw new IllegalArgumentException("attention mask " + attentionMask.shape()
                    + ", expected [" + batch + ", " + keys + "]");
        }
        int[] keep = attentionMask.toIntArray();
        float[] additive = new float[batch * seq * keys];
        for (int b = 0; b < batch; b++) {
            for (int s = 0; s < seq; s++) {
                for (int t = 0; t < keys; t++) {
                    additive[(b * seq + s) * keys + t] = keep[b * keys + t] == 0 ? -1e9f : 0f;
                }
            }
        }
        return ops.tensor(additive, Shape.of(batch, seq, keys));
    }

    private Tensor heads(Tensor x, int heads) {
        return ops.reshape(x, Shape.of(x.shape().dim(0), x.shape().dim(1), heads, HEAD_DIM));
    }

    /** Normal entries with standard deviation {@code gain / sqrt(cols)}: outputs of about {@code gain}. */
    private Tensor matrix(Random random, int rows, int cols, double gain) {
        float[] data = new float[rows * cols];
        double std = gain / Math.sqrt(cols);
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) (random.nextGaussian() * std);
        }
        return ops.parameter(data, Shape.of(rows, cols));
    }

    private Tensor ones(int n) {
        float[] data = new float[n];
        java.util.Arrays.fill(data, 1f);
        return ops.parameter(data, Shape.of(n));
    }

    /** Keys and values per layer on the host: {@code [batch, capacity, kvHeads, headDim]}. */
    private final class HostCache implements KvCache {

        private final int batch;
        private final int capacity;
        private final float[][][] store; // [layer][0 = keys, 1 = values][...]
        private int length;

        HostCache(int batch, int capacity) {
            this.batch = batch;
            this.capacity = capacity;
            this.store = new float[LAYERS][2][batch * capacity * KV_HEADS * HEAD_DIM];
        }

        /** Writes the new keys (or values) at {@code offset}; returns all of them up to there. */
        Tensor appendAndRead(int layer, int kind, Tensor fresh, int offset) {
            int seq = fresh.shape().dim(1);
            int token = KV_HEADS * HEAD_DIM;
            float[] data = fresh.toFloatArray();
            float[] all = store[layer][kind];
            for (int b = 0; b < batch; b++) {
                System.arraycopy(data, b * seq * token, all, (b * capacity + offset) * token, seq * token);
            }
            int keys = offset + seq;
            float[] read = new float[batch * keys * token];
            for (int b = 0; b < batch; b++) {
                System.arraycopy(all, b * capacity * token, read, b * keys * token, keys * token);
            }
            return ops.tensor(read, Shape.of(batch, keys, KV_HEADS, HEAD_DIM));
        }

        @Override
        public int length() {
            return length;
        }

        @Override
        public int capacity() {
            return capacity;
        }

        @Override
        public void clear() {
            length = 0;
        }

        @Override
        public void close() {}
    }
}
