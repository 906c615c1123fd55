package dev.kiln.core.quickstart;

import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.api.tokenizer.TokenizerTrainingOptions;
import dev.kiln.core.train.CheckpointWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The model the quickstart pretrains: a directory with a Llama config.json, the trained
 * tokenizer and generation_config.json but no weights, which {@code kiln pt} initializes from the
 * seed. The tokenizer speaks ChatML, so the fine-tuned model chats in it.
 */
final class ScratchModel {

    static final String END_OF_TEXT = "<|endoftext|>";
    static final String IM_START = "<|im_start|>";
    static final String IM_END = "<|im_end|>";

    /** ChatML, as Qwen2's chat template writes it, without a default system message. */
    static final String CHATML = "{% for message in messages %}{{ '" + IM_START
            + "' + message['role'] + '\\n' + message['content'] + '" + IM_END + "' + '\\n' }}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '" + IM_START + "assistant\\n' }}{% endif %}";

    private ScratchModel() {}

    /** The tokenizer's settings: documents end with {@code <|endoftext|>}, chats with {@code <|im_end|>}. */
    static TokenizerTrainingOptions tokenizerOptions(QuickstartPlan plan) {
        return TokenizerTrainingOptions.builder(plan.vocabSize())
                .minFrequency(2)
                .specialTokens(List.of(END_OF_TEXT, IM_START, IM_END))
                .bosToken(END_OF_TEXT).eosToken(END_OF_TEXT).padToken(END_OF_TEXT)
                .chatTemplate(CHATML)
                .modelMaxLength(plan.maxPositions())
                .build();
    }

    /**
     * Writes config.json and generation_config.json into {@code directory} and copies the
     * tokenizer's files there.
     */
    static void write(Path directory, QuickstartPlan plan, Path tokenizerDirectory, Tokenizer tokenizer)
            throws IOException {
        Files.createDirectories(directory);
        int endOfText = id(tokenizer, END_OF_TEXT);
        int imEnd = id(tokenizer, IM_END);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("architectures", List.of("LlamaForCausalLM"));
        config.put("model_type", "llama");
        config.put("vocab_size", tokenizer.vocabSize());
        config.put("hidden_size", plan.hiddenSize());
        config.put("intermediate_size", plan.intermediateSize());
        config.put("num_hidden_layers", plan.layers());
        config.put("num_attention_heads", plan.heads());
        config.put("num_key_value_heads", plan.heads());
        config.put("head_dim", plan.hiddenSize() / plan.heads());
        config.put("hidden_act", "silu");
        config.put("max_position_embeddings", plan.maxPositions());
        config.put("initializer_range", 0.02);
        config.put("rms_norm_eps", 1e-5);
        config.put("rope_theta", 10000.0);
        config.put("attention_bias", false);
        config.put("mlp_bias", false);
        config.put("tie_word_embeddings", true);
        config.put("bos_token_id", endOfText);
        config.put("eos_token_id", endOfText);
        config.put("pad_token_id", endOfText);
        config.put("torch_dtype", "float32");
        config.put("use_cache", true);
        CheckpointWriter.writeJson(directory.resolve("config.json"), config);

        // Generation stops at the end of a document or of an assistant's turn.
        Map<String, Object> generation = new LinkedHashMap<>();
        generation.put("bos_token_id", endOfText);
        generation.put("eos_token_id", List.of(endOfText, imEnd));
        generation.put("pad_token_id", endOfText);
        CheckpointWriter.writeJson(directory.resolve("generation_config.json"), generation);

        for (String file : List.of("tokenizer.json", "tokenizer_config.json")) {
            Files.copy(tokenizerDirectory.resolve(file), directory.resolve(file),
                    StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static int id(Tokenizer tokenizer, String token) {
        return tokenizer.tokenId(token).orElseThrow(() -> new IllegalStateException(
                "the trained tokenizer lacks its special token " + token));
    }
}
