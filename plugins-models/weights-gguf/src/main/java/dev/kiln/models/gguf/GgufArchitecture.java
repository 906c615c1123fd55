package dev.kiln.models.gguf;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The llama.cpp architectures ({@code general.architecture}) whose tensors this bundle presents
 * under Hugging Face names, with the model class and {@code model_type} transformers loads them
 * as. Mistral and Llama-3 are converted by llama.cpp as {@code llama}.
 */
enum GgufArchitecture {
    LLAMA("llama", "LlamaForCausalLM", Naming.LLAMA),
    QWEN2("qwen2", "Qwen2ForCausalLM", Naming.LLAMA),
    QWEN3("qwen3", "Qwen3ForCausalLM", Naming.LLAMA),
    GPT2("gpt2", "GPT2LMHeadModel", Naming.GPT2);

    /** The name in {@code general.architecture}, which transformers also uses as model_type. */
    final String ggufName;
    final String hfClass;
    private final Naming naming;

    GgufArchitecture(String ggufName, String hfClass, Naming naming) {
        this.ggufName = ggufName;
        this.hfClass = hfClass;
        this.naming = naming;
    }

    String modelType() {
        return ggufName;
    }

    static Optional<GgufArchitecture> byName(String name) {
        return Arrays.stream(values()).filter(a -> a.ggufName.equals(name)).findFirst();
    }

    /** {@code llama, qwen2, qwen3, gpt2}, for messages. */
    static String supported() {
        return Arrays.stream(values()).map(a -> a.ggufName).collect(Collectors.joining(", "));
    }

    /** A GGUF tensor under its Hugging Face name, and how its layout differs from PyTorch's. */
    record HfName(String name, Layout layout) {
    }

    /** How a tensor's GGUF layout becomes the Hugging Face one. */
    enum Layout {
        /** The same bytes: GGUF's dimensions, innermost first, read outermost first. */
        AS_IS,
        /**
         * A Q projection whose rows llama.cpp permuted for its interleaved RoPE (convert_hf_to_gguf
         * {@code LlamaModel.permute}), in groups of {@code attention.head_count}.
         */
        UNPERMUTE_Q,
        /** The same for a K projection, in groups of {@code attention.head_count_kv}. */
        UNPERMUTE_K,
        /** GPT-2's Conv1D weights: stored as [out, in], PyTorch holds [in, out]. */
        TRANSPOSE
    }

    /** The Hugging Face name of GGUF tensor {@code ggufName}, or empty when there is none. */
    Optional<HfName> hfName(String ggufName) {
        return naming.map(this, ggufName);
    }

    private static final Pattern BLOCK = Pattern.compile("blk\\.(\\d+)\\.(\\w+)\\.(weight|bias)");

    /** The name tables, as transformers' GGUF_TENSOR_MAPPING and llama.cpp's tensor names. */
    private enum Naming {
        LLAMA(Map.of("token_embd", "model.embed_tokens", "output_norm", "model.norm",
                "output", "lm_head"),
                "model.layers.",
                Map.ofEntries(
                        Map.entry("attn_norm", "input_layernorm"),
                        Map.entry("ffn_norm", "post_attention_layernorm"),
                        Map.entry("attn_q", "self_attn.q_proj"),
                        Map.entry("attn_k", "self_attn.k_proj"),
                        Map.entry("attn_v", "self_attn.v_proj"),
                        Map.entry("attn_output", "self_attn.o_proj"),
                        Map.entry("attn_q_norm", "self_attn.q_norm"),
                        Map.entry("attn_k_norm", "self_attn.k_norm"),
                        Map.entry("ffn_gate", "mlp.gate_proj"),
                        Map.entry("ffn_up", "mlp.up_proj"),
                        Map.entry("ffn_down", "mlp.down_proj"))),
        GPT2(Map.of("token_embd", "transformer.wte", "position_embd", "transformer.wpe",
                "output_norm", "transformer.ln_f", "output", "lm_head"),
                "transformer.h.",
                Map.of("attn_norm", "ln_1",
                        "attn_qkv", "attn.c_attn",
                        "attn_output", "attn.c_proj",
                        "ffn_norm", "ln_2",
                        "ffn_up", "mlp.c_fc",
                        "ffn_down", "mlp.c_proj"));

        private final Map<String, String> global;
        private final String blockPrefix;
        private final Map<String, String> block;

        Naming(Map<String, String> global, String blockPrefix, Map<String, String> block) {
            this.global = global;
            this.blockPrefix = blockPrefix;
            this.block = block;
        }

        Optional<HfName> map(GgufArchitecture arch, String name) {
            int dot = name.lastIndexOf('.');
            String suffix = dot < 0 ? "" : name.substring(dot);
            if (suffix.equals(".weight") || suffix.equals(".bias")) {
                String hf = global.get(name.substring(0, dot));
                if (hf != null) {
                    return Optional.of(new HfName(hf + suffix, Layout.AS_IS));
                }
            }
            Matcher m = BLOCK.matcher(name);
            if (!m.matches() || !block.containsKey(m.group(2))) {
                return Optional.empty();
            }
            String part = m.group(2);
            String hf = blockPrefix + m.group(1) + "." + block.get(part) + "." + m.group(3);
            return Optional.of(new HfName(hf, layout(arch, part, m.group(3))));
        }

        private static Layout layout(GgufArchitecture arch, String part, String kind) {
            if (arch == GgufArchitecture.LLAMA) {
                // llama.cpp permutes Q and K (weights and biases) of llama models only; Qwen2 and
                // Qwen3 run with NeoX-style RoPE, which is Hugging Face's rotate-half.
                return switch (part) {
                    case "attn_q" -> Layout.UNPERMUTE_Q;
                    case "attn_k" -> Layout.UNPERMUTE_K;
                    default -> Layout.AS_IS;
                };
            }
            if (arch == GgufArchitecture.GPT2 && kind.equals("weight")
                    && !part.endsWith("_norm")) {
                return Layout.TRANSPOSE;
            }
            return Layout.AS_IS;
        }
    }
}
