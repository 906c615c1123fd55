package dev.kiln.core.tensor.golden;

import dev.kiln.api.backend.RopeSpec;
import dev.kiln.api.tensor.AttentionOptions;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * A Llama-family decoder (LlamaForCausalLM, and Qwen2 with its q/k/v biases) written with
 * {@link TensorOps}, after Hugging Face's modeling_llama.py; parameters are looked up by their
 * Hugging Face names.
 *
 * <pre>
 * model.embed_tokens
 * → per layer i, "model.layers.i.":
 *     h = x + self_attn(input_layernorm(x))          q/k/v_proj → rope → causal GQA → o_proj
 *     out = h + mlp(post_attention_layernorm(h))     down_proj(silu(gate_proj(h)) · up_proj(h))
 * → model.norm → lm_head
 * </pre>
 */
final class GoldenLlama {

    /**
     * The fields of config.json this model reads.
     *
     * @param qkvBias whether q_proj, k_proj and v_proj have biases (Qwen2; Llama's attention_bias)
     * @param oProjBias whether o_proj has a bias (Llama's attention_bias; not Qwen2)
     */
    record Config(int vocabSize, int hiddenSize, int heads, int kvHeads, int headDim,
            int intermediateSize, int layers, float rmsNormEps, RopeSpec rope, boolean qkvBias,
            boolean oProjBias) {

        /** From config.json as parsed JSON; head_dim and num_key_value_heads default as in HF. */
        static Config fromHf(Map<String, Object> json) {
            int hidden = integer(json, "hidden_size");
            int heads = integer(json, "num_attention_heads");
            int headDim = json.containsKey("head_dim") ? integer(json, "head_dim") : hidden / heads;
            int kvHeads = json.containsKey("num_key_value_heads")
                    ? integer(json, "num_key_value_heads") : heads;
            boolean attentionBias = Boolean.TRUE.equals(json.get("attention_bias"));
            RopeSpec rope = new RopeSpec(headDim, headDim, number(json, "rope_theta"), false,
                    ropeScaling(json.get("rope_scaling")));
            return new Config(integer(json, "vocab_size"), hidden, heads, kvHeads, headDim,
                    integer(json, "intermediate_size"), integer(json, "num_hidden_layers"),
                    (float) number(json, "rms_norm_eps"), rope,
                    flag(json, "qkv_bias", attentionBias), flag(json, "o_proj_bias", attentionBias));
        }

        private static RopeSpec.Scaling ropeScaling(Object json) {
            if (json == null) {
                return RopeSpec.Scaling.NONE;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> scaling = (Map<String, Object>) json;
            Object type = scaling.containsKey("rope_type") ? scaling.get("rope_type") : scaling.get("type");
            return switch (String.valueOf(type)) {
                case "default" -> RopeSpec.Scaling.NONE;
                case "linear" -> RopeSpec.Scaling.linear(number(scaling, "factor"));
                case "llama3" -> RopeSpec.Scaling.llama3(number(scaling, "factor"),
                        number(scaling, "low_freq_factor"), number(scaling, "high_freq_factor"),
                        integer(scaling, "original_max_position_embeddings"));
                default -> throw new IllegalArgumentException("rope_scaling type " + type);
            };
        }

        private static double number(Map<String, Object> json, String key) {
            if (!(json.get(key) instanceof Number value)) {
                throw new IllegalArgumentException("config: " + key + " is not a number: " + json.get(key));
            }
            return value.doubleValue();
        }

        private static int integer(Map<String, Object> json, String key) {
            double value = number(json, key);
            if (value != (int) value) {
                throw new IllegalArgumentException("config: " + key + " is not an integer: " + value);
            }
            return (int) value;
        }

        private static boolean flag(Map<String, Object> json, String key, boolean otherwise) {
            return json.containsKey(key) ? Boolean.TRUE.equals(json.get(key)) : otherwise;
        }
    }

    private final TensorOps ops;
    private final Config config;
    private final Map<String, Tensor> parameters;
    private final Set<String> used = new LinkedHashSet<>();

    GoldenLlama(TensorOps ops, Config config, Map<String, Tensor> parameters) {
        this.ops = ops;
        this.config = config;
        this.parameters = parameters;
    }

    /** Logits {@code [batch, seq, vocab]} of token ids {@code [batch, seq]} at positions {@code [batch, seq]}. */
    Tensor logits(Tensor ids, Tensor positions) {
        Tensor x = ops.embedding(parameter("model.embed_tokens.weight"), ids);
        for (int i = 0; i < config.layers(); i++) {
            x = decoderLayer("model.layers." + i + ".", x, positions);
        }
        return ops.linear(rmsNorm("model.norm", x), parameter("lm_head.weight"), null);
    }

    /**
     * Mean cross-entropy as LlamaForCausalLM computes it from {@code labels [batch, seq]}: the
     * logits at position t predict label t + 1 ({@link #shiftLabels}); labels equal to
     * {@code ignoreIndex} do not count.
     */
    Tensor loss(Tensor logits, int[] labels, int ignoreIndex) {
        int batch = logits.shape().dim(0);
        int seq = logits.shape().dim(1);
        Tensor targets = ops.tensor(shiftLabels(labels, batch, seq, ignoreIndex), Shape.of(batch * seq));
        return ops.crossEntropy(ops.reshape(logits, Shape.of(batch * seq, config.vocabSize())),
                targets, ignoreIndex);
    }

    /** Labels shifted left within each row, the last position of each row {@code ignoreIndex}. */
    static int[] shiftLabels(int[] labels, int batch, int seq, int ignoreIndex) {
        int[] shifted = new int[batch * seq];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < seq; t++) {
                shifted[b * seq + t] = t + 1 < seq ? labels[b * seq + t + 1] : ignoreIndex;
            }
        }
        return shifted;
    }

    /** The names of the given parameters that no forward pass has used so far. */
    Set<String> unusedParameters() {
        Set<String> unused = new LinkedHashSet<>(parameters.keySet());
        unused.removeAll(used);
        return unused;
    }

    private Tensor decoderLayer(String prefix, Tensor x, Tensor positions) {
        Tensor h = ops.add(x, selfAttention(prefix + "self_attn.",
                rmsNorm(prefix + "input_layernorm", x), positions));
        return ops.add(h, mlp(prefix + "mlp.", rmsNorm(prefix + "post_attention_layernorm", h)));
    }

    private Tensor selfAttention(String prefix, Tensor x, Tensor positions) {
        int batch = x.shape().dim(0);
        int seq = x.shape().dim(1);
        Tensor q = splitHeads(linear(prefix + "q_proj", x, config.qkvBias()), config.heads());
        Tensor k = splitHeads(linear(prefix + "k_proj", x, config.qkvBias()), config.kvHeads());
        Tensor v = splitHeads(linear(prefix + "v_proj", x, config.qkvBias()), config.kvHeads());
        q = ops.rope(q, positions, config.rope());
        k = ops.rope(k, positions, config.rope());
        // causal over the sequence index (HF's cache_position), whatever the position ids: one
        // sequence per row, as HF with attention_mask all ones (without one, HF would read a jump
        // in position_ids as packed sequences);
        // query head h reads kv head h / (heads / kvHeads), as HF's repeat_kv
        float scale = (float) (1 / Math.sqrt(config.headDim()));
        Tensor attended = ops.attention(q, k, v, null, new AttentionOptions(true, scale, 0));
        Tensor merged = ops.reshape(attended, Shape.of(batch, seq, config.heads() * config.headDim()));
        return linear(prefix + "o_proj", merged, config.oProjBias());
    }

    private Tensor mlp(String prefix, Tensor x) {
        Tensor gate = linear(prefix + "gate_proj", x, false);
        Tensor up = linear(prefix + "up_proj", x, false);
        return linear(prefix + "down_proj", ops.swiglu(gate, up), false);
    }

    /** {@code [batch, seq, heads · headDim]} as {@code [batch, seq, heads, headDim]}. */
    private Tensor splitHeads(Tensor x, int heads) {
        return ops.reshape(x, Shape.of(x.shape().dim(0), x.shape().dim(1), heads, config.headDim()));
    }

    private Tensor linear(String module, Tensor x, boolean bias) {
        return ops.linear(x, parameter(module + ".weight"), bias ? parameter(module + ".bias") : null);
    }

    private Tensor rmsNorm(String module, Tensor x) {
        return ops.rmsNorm(x, parameter(module + ".weight"), config.rmsNormEps());
    }

    private Tensor parameter(String name) {
        Tensor tensor = parameters.get(name);
        if (tensor == null) {
            throw new IllegalArgumentException("no parameter " + name);
        }
        used.add(name);
        return tensor;
    }
}
