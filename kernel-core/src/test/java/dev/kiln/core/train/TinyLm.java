package dev.kiln.core.train;

import dev.kiln.api.backend.RopeSpec;
import dev.kiln.api.model.CausalLM;
import dev.kiln.api.model.KvCache;
import dev.kiln.api.model.LinearLayer;
import dev.kiln.api.model.ModelConfig;
import dev.kiln.api.tensor.AttentionOptions;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tensor.TensorScope;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

/**
 * A tiny Llama-style decoder for the trainer's tests, the model of src/test/python/trainer_golden.py:
 * untied lm_head, grouped-query attention, rotate-half RoPE, and the attention mask as segment
 * ids (0 padding, k > 0 a packed segment; attention stays inside a segment). Parameters carry
 * Hugging Face's names. Training forwards only (no KV cache).
 */
final class TinyLm implements CausalLM {

    private final TensorOps ops;
    private final ModelConfig config;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final int layers;
    private final float eps;
    private final RopeSpec rope;
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private boolean checkpointing;
    long reseeds;

    /** @param values every parameter's data by name, as trainer_golden.py lays them out */
    TinyLm(TensorOps ops, Map<String, Object> config, Map<String, float[]> values,
            Map<String, Shape> shapes) {
        this.ops = ops;
        this.config = new ModelConfig(config, "TinyLm");
        this.heads = this.config.integer("num_attention_heads").orElseThrow();
        this.kvHeads = this.config.integer("num_key_value_heads").orElseThrow();
        this.headDim = this.config.integer("head_dim").orElseThrow();
        this.layers = this.config.integer("num_hidden_layers").orElseThrow();
        this.eps = this.config.decimal("rms_norm_eps").orElseThrow().floatValue();
        this.rope = new RopeSpec(headDim, headDim, this.config.decimal("rope_theta").orElseThrow(),
                false, RopeSpec.Scaling.NONE);
        values.forEach((name, data) -> parameters.put(name, ops.parameter(data, shapes.get(name))));
    }

    /** The golden model's configuration. */
    static Map<String, Object> config(int vocab, int hidden, int layers) {
        return Map.of("vocab_size", vocab, "hidden_size", hidden, "intermediate_size", hidden * 3 / 2,
                "num_hidden_layers", layers, "num_attention_heads", 2, "num_key_value_heads", 1,
                "head_dim", hidden / 2, "rms_norm_eps", 1e-6, "rope_theta", 10000.0,
                "model_type", "llama");
    }

    /** Random parameters of the given shape: weights N(0, 0.3²), norms 1. */
    static TinyLm random(TensorOps ops, int vocab, int hidden, int layers, long seed) {
        Map<String, Object> config = config(vocab, hidden, layers);
        Map<String, Shape> shapes = shapes(config);
        Map<String, float[]> values = new LinkedHashMap<>();
        SplittableRandom random = new SplittableRandom(seed);
        shapes.forEach((name, shape) -> {
            float[] data = new float[Math.toIntExact(shape.numel())];
            for (int i = 0; i < data.length; i++) {
                data[i] = name.endsWith("norm.weight") ? 1f : (float) (random.nextGaussian() * 0.3);
            }
            values.put(name, data);
        });
        return new TinyLm(ops, config, values, shapes);
    }

    /** Every parameter's shape, in trainer_golden.py's order. */
    static Map<String, Shape> shapes(Map<String, Object> config) {
        int vocab = ((Number) config.get("vocab_size")).intValue();
        int hidden = ((Number) config.get("hidden_size")).intValue();
        int inter = ((Number) config.get("intermediate_size")).intValue();
        int headDim = ((Number) config.get("head_dim")).intValue();
        int q = ((Number) config.get("num_attention_heads")).intValue() * headDim;
        int kv = ((Number) config.get("num_key_value_heads")).intValue() * headDim;
        Map<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put("model.embed_tokens.weight", Shape.of(vocab, hidden));
        for (int i = 0; i < ((Number) config.get("num_hidden_layers")).intValue(); i++) {
            String p = "model.layers." + i + ".";
            shapes.put(p + "input_layernorm.weight", Shape.of(hidden));
            shapes.put(p + "self_attn.q_proj.weight", Shape.of(q, hidden));
            shapes.put(p + "self_attn.k_proj.weight", Shape.of(kv, hidden));
            shapes.put(p + "self_attn.v_proj.weight", Shape.of(kv, hidden));
            shapes.put(p + "self_attn.o_proj.weight", Shape.of(hidden, q));
            shapes.put(p + "post_attention_layernorm.weight", Shape.of(hidden));
            shapes.put(p + "mlp.gate_proj.weight", Shape.of(inter, hidden));
            shapes.put(p + "mlp.up_proj.weight", Shape.of(inter, hidden));
            shapes.put(p + "mlp.down_proj.weight", Shape.of(hidden, inter));
        }
        shapes.put("model.norm.weight", Shape.of(hidden));
        shapes.put("lm_head.weight", Shape.of(vocab, hidden));
        return shapes;
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
        throw new IllegalArgumentException("TinyLm has no linear layer objects: " + name);
    }

    @Override
    public KvCache newCache(int batch, int capacity) {
        throw new UnsupportedOperationException("TinyLm trains only");
    }

    @Override
    public void setGradientCheckpointing(boolean enabled) {
        checkpointing = enabled;
    }

    @Override
    public void reseed(long seed) {
        reseeds++;
    }

    @Override
    public Tensor forward(Tensor inputIds, Tensor positions, KvCache cache) {
        return forward(inputIds, positions, null, cache);
    }

    @Override
    public Tensor forward(Tensor inputIds, Tensor positions, Tensor attentionMask, KvCache cache) {
        int batch = inputIds.shape().dim(0);
        int seq = inputIds.shape().dim(1);
        try (TensorScope forward = ops.scope()) {
            Tensor mask = attentionMask == null ? null : mask(attentionMask.toIntArray(), batch, seq);
            Tensor x = ops.embedding(parameters.get("model.embed_tokens.weight"), inputIds);
            for (int i = 0; i < layers; i++) {
                int layer = i;
                List<Tensor> inputs = mask == null ? List.of(x, positions) : List.of(x, positions, mask);
                x = checkpointing
                        ? ops.checkpoint(in -> layer(layer, in.get(0), in.get(1), in.size() > 2 ? in.get(2) : null), inputs)
                        : layer(i, x, positions, mask);
            }
            x = ops.rmsNorm(x, parameters.get("model.norm.weight"), eps);
            return forward.keep(ops.linear(x, parameters.get("lm_head.weight"), null));
        }
    }

    private Tensor layer(int i, Tensor x, Tensor positions, Tensor mask) {
        int batch = x.shape().dim(0);
        int seq = x.shape().dim(1);
        String p = "model.layers." + i + ".";
        Tensor n = ops.rmsNorm(x, parameters.get(p + "input_layernorm.weight"), eps);
        Tensor q = heads(ops.linear(n, parameters.get(p + "self_attn.q_proj.weight"), null), heads);
        Tensor k = heads(ops.linear(n, parameters.get(p + "self_attn.k_proj.weight"), null), kvHeads);
        Tensor v = heads(ops.linear(n, parameters.get(p + "self_attn.v_proj.weight"), null), kvHeads);
        q = ops.rope(q, positions, rope);
        k = ops.rope(k, positions, rope);
        Tensor attended = ops.attention(q, k, v, mask, AttentionOptions.causalSelf());
        Tensor h = ops.add(x, ops.linear(ops.reshape(attended, Shape.of(batch, seq, heads * headDim)),
                parameters.get(p + "self_attn.o_proj.weight"), null));
        Tensor m = ops.rmsNorm(h, parameters.get(p + "post_attention_layernorm.weight"), eps);
        Tensor mlp = ops.swiglu(ops.linear(m, parameters.get(p + "mlp.gate_proj.weight"), null),
                ops.linear(m, parameters.get(p + "mlp.up_proj.weight"), null));
        return ops.add(h, ops.linear(mlp, parameters.get(p + "mlp.down_proj.weight"), null));
    }

    /** -inf where a key is padding or of another segment than the query. */
    private Tensor mask(int[] segments, int batch, int seq) {
        float[] additive = new float[batch * seq * seq];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < seq; i++) {
                for (int j = 0; j < seq; j++) {
                    int key = segments[b * seq + j];
                    if (key == 0 || key != segments[b * seq + i]) {
                        additive[(b * seq + i) * seq + j] = Float.NEGATIVE_INFINITY;
                    }
                }
            }
        }
        return ops.tensor(additive, Shape.of(batch, seq, seq));
    }

    private Tensor heads(Tensor x, int count) {
        return ops.reshape(x, Shape.of(x.shape().dim(0), x.shape().dim(1), count, headDim));
    }
}
