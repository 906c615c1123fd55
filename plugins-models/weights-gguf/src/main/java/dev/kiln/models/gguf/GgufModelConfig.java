package dev.kiln.models.gguf;

import dev.kiln.api.tensor.DType;
import dev.kiln.api.weights.TensorInfo;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A GGUF file's metadata as the config.json of the Hugging Face model it was converted from, as
 * transformers' GGUF loader translates it ({@code GGUF_CONFIG_MAPPING}), plus what the tensors
 * say: the vocabulary size when no token list is there, {@code tie_word_embeddings} (no
 * {@code output.weight}), {@code attention_bias} (a Q bias), {@code torch_dtype} (the embedding's
 * type as {@link GgufSource#values} gives it) and Llama-3 RoPE scaling ({@code rope_freqs.weight}).
 */
final class GgufModelConfig {

    /** tokenizer.ggml.* keys and the config.json keys they become. */
    private static final String[][] TOKEN_IDS = {{"bos_token_id", "bos_token_id"},
        {"eos_token_id", "eos_token_id"}, {"padding_token_id", "pad_token_id"}};

    private GgufModelConfig() {
    }

    /**
     * @throws IllegalArgumentException naming the file and key when a required key is missing
     *     or has the wrong type
     * @throws UnsupportedOperationException for a configuration Kiln's config keys cannot state
     */
    static Map<String, Object> translate(GgufSource source, GgufArchitecture arch) {
        GgufMetadata meta = source.ggufMetadata();
        String p = arch.ggufName + ".";
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("architectures", List.of(arch.hfClass));
        config.put("model_type", arch.modelType());
        if (arch == GgufArchitecture.GPT2) {
            gpt2(meta, p, config);
        } else {
            llama(source, arch, meta, p, config);
        }
        config.put("vocab_size", vocabSize(source, meta));
        config.put("tie_word_embeddings", source.ggufTensor("output.weight").isEmpty());
        for (String[] id : TOKEN_IDS) {
            optionalInt(meta, "tokenizer.ggml." + id[0]).ifPresent(v -> config.put(id[1], v));
        }
        source.ggufTensor("token_embd.weight")
                .ifPresent(t -> config.put("torch_dtype", torchDtype(t.info())));
        return Collections.unmodifiableMap(config);
    }

    /** Llama, Mistral converted as llama, Qwen2 and Qwen3. */
    private static void llama(GgufSource source, GgufArchitecture arch, GgufMetadata meta,
            String p, Map<String, Object> config) {
        int hidden = integer(meta, p + "embedding_length");
        int heads = integer(meta, p + "attention.head_count");
        int headDim = headDim(meta, p, hidden, heads);
        config.put("hidden_size", hidden);
        config.put("intermediate_size", integer(meta, p + "feed_forward_length"));
        config.put("num_hidden_layers", integer(meta, p + "block_count"));
        config.put("num_attention_heads", heads);
        config.put("num_key_value_heads",
                optionalInt(meta, p + "attention.head_count_kv").orElse(heads));
        config.put("head_dim", headDim);
        config.put("rms_norm_eps", meta.decimal(p + "attention.layer_norm_rms_epsilon"));
        double theta = meta.optionalDecimal(p + "rope.freq_base").orElse(10000.0);
        config.put("rope_theta", theta);
        config.put("max_position_embeddings", integer(meta, p + "context_length"));
        config.put("attention_bias", source.ggufTensor("blk.0.attn_q.bias").isPresent());
        ropeScaling(source, arch, meta, p, theta, headDim)
                .ifPresent(s -> config.put("rope_scaling", s));
    }

    /** {@code attention.key_length}, else hidden / heads; RoPE must rotate all of it. */
    private static int headDim(GgufMetadata meta, String p, int hidden, int heads) {
        int headDim;
        Optional<Long> keyLength = meta.optionalInteger(p + "attention.key_length");
        if (keyLength.isPresent()) {
            headDim = toInt(meta, p + "attention.key_length", keyLength.get());
        } else if (heads > 0 && hidden % heads == 0) {
            headDim = hidden / heads;
        } else {
            throw new IllegalArgumentException(meta.file() + ": metadata key '" + p
                    + "embedding_length' " + hidden + " is not a multiple of '" + p
                    + "attention.head_count' " + heads + " and there is no '" + p
                    + "attention.key_length'");
        }
        Optional<Long> rotated = meta.optionalInteger(p + "rope.dimension_count");
        if (rotated.isPresent() && rotated.get() != headDim) {
            throw new UnsupportedOperationException(meta.file() + ": metadata key '" + p
                    + "rope.dimension_count' is " + rotated.get() + ", not the head dimension "
                    + headDim + ": partial rotary embeddings are not supported");
        }
        return headDim;
    }

    /**
     * rope_scaling from {@code rope.scaling.type} (linear, yarn), the older
     * {@code rope.scale_linear}, or a llama model's {@code rope_freqs.weight} (Llama-3 scaling).
     */
    private static Optional<Map<String, Object>> ropeScaling(GgufSource source,
            GgufArchitecture arch, GgufMetadata meta, String p, double theta, int headDim) {
        String typeKey = p + "rope.scaling.type";
        String type = "none";
        double factor = 1;
        if (meta.has(typeKey)) {
            type = meta.string(typeKey);
            factor = type.equals("none") ? 1 : meta.decimal(p + "rope.scaling.factor");
        } else if (meta.has(p + "rope.scale_linear")) {
            factor = meta.decimal(p + "rope.scale_linear");
            type = factor == 1 ? "none" : "linear";
        }
        Optional<GgufTensor> freqs = arch == GgufArchitecture.LLAMA
                ? source.ggufTensor("rope_freqs.weight") : Optional.empty();
        if (freqs.isPresent()) {
            if (!type.equals("none")) {
                throw new UnsupportedOperationException(meta.file() + ": both '" + typeKey
                        + "' " + type + " and rope_freqs.weight scale RoPE");
            }
            return Llama3RopeScaling.fit(source.rawFloats(freqs.get()), theta, headDim,
                    meta.file() + ": rope_freqs.weight");
        }
        Map<String, Object> scaling = new LinkedHashMap<>();
        switch (type) {
            case "none" -> {
                return Optional.empty();
            }
            case "linear" -> { }
            case "yarn" -> optionalInt(meta, p + "rope.scaling.original_context_length")
                    .ifPresent(n -> scaling.put("original_max_position_embeddings", n));
            default -> throw new UnsupportedOperationException(meta.file() + ": metadata key '"
                    + typeKey + "' is '" + type + "'; linear and yarn are supported");
        }
        scaling.put("rope_type", type);
        scaling.put("factor", factor);
        return Optional.of(scaling);
    }

    /** GPT-2, under GPT2Config's names. llama.cpp's GPT-2 uses the tanh GELU (gelu_new). */
    private static void gpt2(GgufMetadata meta, String p, Map<String, Object> config) {
        int context = integer(meta, p + "context_length");
        config.put("n_embd", integer(meta, p + "embedding_length"));
        config.put("n_layer", integer(meta, p + "block_count"));
        config.put("n_head", integer(meta, p + "attention.head_count"));
        optionalInt(meta, p + "feed_forward_length").ifPresent(n -> config.put("n_inner", n));
        config.put("n_positions", context);
        config.put("n_ctx", context);
        config.put("layer_norm_epsilon", meta.decimal(p + "attention.layer_norm_epsilon"));
        config.put("activation_function", "gelu_new");
    }

    /** The token list's length (as transformers), else the embedding's rows. */
    private static int vocabSize(GgufSource source, GgufMetadata meta) {
        Optional<List<?>> tokens = meta.optionalList("tokenizer.ggml.tokens");
        if (tokens.isPresent()) {
            return tokens.get().size();
        }
        return source.ggufTensor("token_embd.weight").map(t -> t.info().shape().dim(0))
                .orElseThrow(() -> meta.missing("tokenizer.ggml.tokens"));
    }

    private static String torchDtype(TensorInfo info) {
        DType dtype = info.dtype();
        return switch (dtype) {
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> "float32";
        };
    }

    private static int integer(GgufMetadata meta, String key) {
        return toInt(meta, key, meta.integer(key));
    }

    private static int toInt(GgufMetadata meta, String key, long value) {
        if (value < 0 || value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(meta.file() + ": metadata key '" + key + "' is "
                    + value + ", out of range");
        }
        return (int) value;
    }

    private static Optional<Integer> optionalInt(GgufMetadata meta, String key) {
        return meta.optionalInteger(key).map(v -> toInt(meta, key, v));
    }
}
