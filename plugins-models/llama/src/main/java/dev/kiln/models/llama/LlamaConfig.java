package dev.kiln.models.llama;

import dev.kiln.api.backend.RopeSpec;
import dev.kiln.api.model.ModelConfig;
import dev.kiln.api.tensor.DType;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What the llama family reads from config.json. Everything a key can say comes from the key
 * (attention_bias, mlp_bias, head_dim, rope_theta, rope_scaling, rms_norm_eps,
 * tie_word_embeddings, sliding_window, torch_dtype); what transformers' modeling code fixes
 * for a {@code model_type} without a key comes from {@link Traits}: Qwen2's q/k/v biases
 * (and no o_proj bias), Qwen3's per-head q/k RMSNorm.
 *
 * @param headDim head_dim, else hidden_size / num_attention_heads
 * @param slidingWindow Mistral's sliding_window: query i sees keys {@code i - window < j <= i};
 *     0 for full attention
 * @param weightDtype torch_dtype for the linear layers' and the embedding's weights (norms and
 *     biases are always F32); F32 when absent or {@code auto}
 */
record LlamaConfig(String modelType, int vocabSize, int hiddenSize, int intermediateSize,
        int layers, int heads, int kvHeads, int headDim, float rmsNormEps, RopeSpec rope,
        boolean qkvBias, boolean oProjBias, boolean mlpBias, boolean qkNorm,
        boolean tieWordEmbeddings, int slidingWindow, float initializerRange, DType weightDtype) {

    /** The architectures served, and the model_type each one implies when config.json has none. */
    static final Map<String, String> ARCHITECTURES = Map.of(
            "LlamaForCausalLM", "llama",
            "MistralForCausalLM", "mistral",
            "Qwen2ForCausalLM", "qwen2",
            "Qwen3ForCausalLM", "qwen3");

    /** What a model_type's modeling code fixes, beyond its config.json keys. */
    record Traits(boolean qkvBiasAlways, boolean attentionBiasKey, boolean qkNorm,
            boolean slidingWindowKey) {

        static final Map<String, Traits> BY_MODEL_TYPE = Map.of(
                // attention_bias puts a bias on q, k, v and o_proj
                "llama", new Traits(false, true, false, false),
                // Mistral has no bias; its sliding_window applies to every layer
                "mistral", new Traits(false, false, false, true),
                // q/k/v_proj always have a bias, o_proj never
                "qwen2", new Traits(true, false, false, false),
                // RMSNorm of each head of q and k before RoPE; attention_bias as llama
                "qwen3", new Traits(false, true, true, false));
    }

    static LlamaConfig from(ModelConfig c) {
        String modelType = modelType(c);
        Traits traits = Traits.BY_MODEL_TYPE.get(modelType);
        String act = c.string("hidden_act").orElse("silu");
        if (!act.equals("silu")) {
            throw invalid(c, "hidden_act", "'" + act + "'; the llama family runs silu");
        }
        int hidden = positive(c, "hidden_size", c.requireInteger("hidden_size"));
        int heads = positive(c, "num_attention_heads", c.requireInteger("num_attention_heads"));
        int kvHeads = positive(c, "num_key_value_heads", c.integer("num_key_value_heads").orElse(heads));
        if (heads % kvHeads != 0) {
            throw invalid(c, "num_key_value_heads", kvHeads + ", which does not divide "
                    + "num_attention_heads " + heads);
        }
        Optional<Integer> explicitHeadDim = c.integer("head_dim");
        if (explicitHeadDim.isEmpty() && hidden % heads != 0) {
            throw invalid(c, "hidden_size", hidden + ", which num_attention_heads " + heads
                    + " does not divide (and head_dim is not set)");
        }
        int headDim = positive(c, "head_dim", explicitHeadDim.orElse(hidden / heads));
        boolean attentionBias = traits.attentionBiasKey() && c.bool("attention_bias").orElse(false);
        return new LlamaConfig(modelType,
                positive(c, "vocab_size", c.requireInteger("vocab_size")), hidden,
                positive(c, "intermediate_size", c.requireInteger("intermediate_size")),
                positive(c, "num_hidden_layers", c.requireInteger("num_hidden_layers")),
                heads, kvHeads, headDim,
                c.decimal("rms_norm_eps").orElse(1e-6).floatValue(),
                new RopeSpec(headDim, headDim, c.decimal("rope_theta").orElse(10000.0), false,
                        ropeScaling(c)),
                traits.qkvBiasAlways() || attentionBias, attentionBias,
                c.bool("mlp_bias").orElse(false), traits.qkNorm(),
                c.bool("tie_word_embeddings").orElse(false),
                slidingWindow(c, traits),
                c.decimal("initializer_range").orElse(0.02).floatValue(),
                weightDtype(c));
    }

    int qOut() {
        return heads * headDim;
    }

    int kvOut() {
        return kvHeads * headDim;
    }

    private static String modelType(ModelConfig c) {
        Optional<String> declared = c.modelType();
        if (declared.isPresent()) {
            if (!Traits.BY_MODEL_TYPE.containsKey(declared.get())) {
                throw invalid(c, "model_type", "'" + declared.get() + "'; the llama family serves "
                        + String.join(", ", Traits.BY_MODEL_TYPE.keySet()));
            }
            return declared.get();
        }
        for (String architecture : c.architectures()) {
            String type = ARCHITECTURES.get(architecture);
            if (type != null) {
                return type;
            }
        }
        throw new IllegalArgumentException(c.origin() + ": neither 'model_type' nor an "
                + "'architectures' entry the llama family serves (" + String.join(", ",
                ARCHITECTURES.keySet()) + ")");
    }

    private static RopeSpec.Scaling ropeScaling(ModelConfig c) {
        Optional<ModelConfig> scaling = c.object("rope_scaling");
        if (scaling.isEmpty()) {
            return RopeSpec.Scaling.NONE;
        }
        ModelConfig s = scaling.get();
        String type = s.string("rope_type").or(() -> s.string("type")).orElse("default");
        try {
            return switch (type) {
                case "default" -> RopeSpec.Scaling.NONE;
                case "linear" -> RopeSpec.Scaling.linear(s.requireDecimal("factor"));
                case "llama3" -> RopeSpec.Scaling.llama3(s.requireDecimal("factor"),
                        s.requireDecimal("low_freq_factor"), s.requireDecimal("high_freq_factor"),
                        s.requireInteger("original_max_position_embeddings"));
                default -> throw invalid(c, "rope_scaling", "of type '" + type + "'; supported: "
                        + "default, linear, llama3");
            };
        } catch (IllegalArgumentException e) {
            if (e.getMessage().startsWith(c.origin())) {
                throw e;
            }
            throw new IllegalArgumentException(c.origin() + ": 'rope_scaling': " + e.getMessage(), e);
        }
    }

    private static int slidingWindow(ModelConfig c, Traits traits) {
        if (traits.slidingWindowKey()) {
            return c.integer("sliding_window").map(w -> positive(c, "sliding_window", w)).orElse(0);
        }
        if (c.bool("use_sliding_window").orElse(false)) {
            throw invalid(c, "use_sliding_window", "true; the llama family runs full attention "
                    + "in every layer (Qwen's per-layer windows are not implemented)");
        }
        return 0;
    }

    private static DType weightDtype(ModelConfig c) {
        Optional<String> declared = c.string("torch_dtype").or(() -> c.string("dtype"));
        return switch (declared.orElse("float32").toLowerCase(Locale.ROOT)) {
            case "float32", "auto" -> DType.F32;
            case "bfloat16" -> DType.BF16;
            case "float16" -> DType.F16;
            default -> throw invalid(c, "torch_dtype", "'" + declared.get()
                    + "'; supported: float32, bfloat16, float16");
        };
    }

    private static int positive(ModelConfig c, String key, int value) {
        if (value < 1) {
            throw invalid(c, key, value + "; it must be positive");
        }
        return value;
    }

    private static IllegalArgumentException invalid(ModelConfig c, String key, String problem) {
        return new IllegalArgumentException(c.origin() + ": '" + key + "' is " + problem);
    }
}
