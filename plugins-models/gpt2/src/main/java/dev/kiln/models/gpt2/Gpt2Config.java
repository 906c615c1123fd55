package dev.kiln.models.gpt2;

import dev.kiln.api.model.ModelConfig;
import dev.kiln.api.tensor.DType;
import java.util.Locale;
import java.util.Optional;

/**
 * The fields of a GPT-2 config.json this family reads. A key that is absent takes the default
 * of transformers' {@code GPT2Config}, as transformers does when it loads the file.
 *
 * @param innerSize {@code n_inner}, or {@code 4 * n_embd} when it is absent or null
 * @param attentionScale the factor on q·k of every layer before {@code
 *     scale_attn_by_inverse_layer_idx}: 1/sqrt(head_dim) with {@code scale_attn_weights}, else 1
 * @param embeddingDropout embd_pdrop, on wte + wpe while training
 * @param residualDropout resid_pdrop, on the attention's and the MLP's outputs while training
 * @param weightDtype torch_dtype for the Conv1D weights, the embeddings and an untied lm_head
 *     (LayerNorms and biases are always F32); F32 when absent or {@code auto}
 */
record Gpt2Config(
        int vocabSize, int positions, int embedSize, int layers, int heads, int innerSize,
        Activation activation, float layerNormEps, double initializerRange,
        float attentionScale, boolean scaleByInverseLayerIndex, boolean tiedLmHead,
        float embeddingDropout, float residualDropout, DType weightDtype) {

    int headDim() {
        return embedSize / heads;
    }

    /** The q·k factor of layer {@code layer} (0-based). */
    float attentionScale(int layer) {
        return scaleByInverseLayerIndex ? attentionScale / (layer + 1) : attentionScale;
    }

    /**
     * Reads and checks {@code config}.
     *
     * @throws IllegalArgumentException naming the file and the key when a value is missing,
     *     malformed, inconsistent or asks for something this family does not implement
     */
    static Gpt2Config from(ModelConfig config) {
        String origin = config.origin();
        int vocab = positive(config, "vocab_size", 50257);
        int positions = positive(config, "n_positions", 1024);
        int embed = positive(config, "n_embd", 768);
        int layers = positive(config, "n_layer", 12);
        int heads = positive(config, "n_head", 12);
        if (embed % heads != 0) {
            throw new IllegalArgumentException(origin + ": 'n_embd' " + embed
                    + " is not a multiple of 'n_head' " + heads);
        }
        int inner = config.values().get("n_inner") == null ? 4 * embed
                : positive(config, "n_inner", 0);
        Activation activation = Activation.of(config.string("activation_function").orElse("gelu_new"),
                origin);
        double eps = config.decimal("layer_norm_epsilon").orElse(1e-5);
        if (!(eps > 0)) {
            throw new IllegalArgumentException(origin + ": 'layer_norm_epsilon' must be positive, not "
                    + eps);
        }
        if (config.bool("add_cross_attention").orElse(false)) {
            throw new IllegalArgumentException(origin + ": 'add_cross_attention' is true: cross-"
                    + "attention to an encoder (GPT-2 as the decoder of an encoder-decoder) is not"
                    + " supported; the gpt2 family builds the decoder-only GPT2LMHeadModel");
        }
        // reorder_and_upcast_attn computes q·k in float32 and scales before the product, to keep
        // half precision from overflowing: the engine's attention always computes in float32,
        // so the flag changes nothing here; only its type is checked.
        config.bool("reorder_and_upcast_attn");
        // attn_pdrop drops attention probabilities, which the fused attention kernel never
        // materializes: it is checked but not applied (see the README).
        probability(config, "attn_pdrop");
        float scale = config.bool("scale_attn_weights").orElse(true)
                ? (float) (1 / Math.sqrt(embed / heads)) : 1f;
        return new Gpt2Config(vocab, positions, embed, layers, heads, inner, activation, (float) eps,
                config.decimal("initializer_range").orElse(0.02), scale,
                config.bool("scale_attn_by_inverse_layer_idx").orElse(false),
                config.bool("tie_word_embeddings").orElse(true),
                probability(config, "embd_pdrop"), probability(config, "resid_pdrop"),
                weightDtype(config));
    }

    private static DType weightDtype(ModelConfig config) {
        Optional<String> declared = config.string("torch_dtype").or(() -> config.string("dtype"));
        return switch (declared.orElse("float32").toLowerCase(Locale.ROOT)) {
            case "float32", "auto" -> DType.F32;
            case "bfloat16" -> DType.BF16;
            case "float16" -> DType.F16;
            default -> throw new IllegalArgumentException(config.origin() + ": 'torch_dtype' is '"
                    + declared.get() + "'; supported: float32, bfloat16, float16");
        };
    }

    private static int positive(ModelConfig config, String key, int otherwise) {
        int value = config.integer(key).orElse(otherwise);
        if (value <= 0) {
            throw new IllegalArgumentException(config.origin() + ": '" + key
                    + "' must be positive, not " + value);
        }
        return value;
    }

    /** A dropout probability, 0.1 when absent as in GPT2Config. */
    private static float probability(ModelConfig config, String key) {
        double p = config.decimal(key).orElse(0.1);
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException(config.origin() + ": '" + key
                    + "' must be in [0, 1), not " + p);
        }
        return (float) p;
    }
}
