package dev.kiln.models.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.api.tokenizer.TokenizerTrainingOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The files of a trained byte-level BPE tokenizer, laid out as Llama 3's: tokenizer.json with
 * the special tokens as added tokens, no normalizer, Llama 3's split regex then {@code ByteLevel}
 * (no prefix space), a {@code ByteLevel} post-processor and decoder; and tokenizer_config.json
 * with the special tokens' roles and the chat template, as transformers'
 * {@code PreTrainedTokenizerFast.save_pretrained} writes it.
 */
final class ByteLevelBpeFiles {

    /** Llama 3's pre-tokenizer regex (contractions, letters, 1-3 digits, punctuation, spaces). */
    static final String SPLIT_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
            + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ByteLevelBpeFiles() {}

    /** The pre-tokenizer, as tokenizer.json holds it; training cuts words with the same one. */
    static ObjectNode preTokenizer() {
        ObjectNode split = NODES.objectNode();
        split.put("type", "Split");
        split.putObject("pattern").put("Regex", SPLIT_PATTERN);
        split.put("behavior", "Isolated");
        split.put("invert", false);
        ObjectNode sequence = NODES.objectNode();
        sequence.put("type", "Sequence");
        sequence.putArray("pretokenizers").add(split).add(byteLevel(false, true, false));
        return sequence;
    }

    private static ObjectNode byteLevel(boolean addPrefixSpace, boolean trimOffsets, boolean useRegex) {
        ObjectNode node = NODES.objectNode();
        node.put("type", "ByteLevel");
        node.put("add_prefix_space", addPrefixSpace);
        node.put("trim_offsets", trimOffsets);
        node.put("use_regex", useRegex);
        return node;
    }

    /** tokenizer.json, keys in the order the crate writes them, the vocabulary by id. */
    static ObjectNode tokenizerJson(BpeTrainer.Result trained, List<String> specialTokens) {
        ObjectNode root = NODES.objectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String special : specialTokens) {
            added.add(addedToken(trained.vocab().indexOf(special), special));
        }
        root.putNull("normalizer");
        root.set("pre_tokenizer", preTokenizer());
        root.set("post_processor", byteLevel(true, false, true));
        root.set("decoder", byteLevel(true, true, true));
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < trained.vocab().size(); id++) {
            vocab.put(trained.vocab().get(id), id);
        }
        ArrayNode merges = model.putArray("merges");
        trained.merges().forEach(m -> merges.addArray().add(m[0]).add(m[1]));
        return root;
    }

    private static ObjectNode addedToken(int id, String content) {
        ObjectNode t = NODES.objectNode();
        t.put("id", id);
        t.put("content", content);
        t.put("single_word", false);
        t.put("lstrip", false);
        t.put("rstrip", false);
        t.put("normalized", false);
        t.put("special", true);
        return t;
    }

    /** tokenizer_config.json: the special tokens' roles, the chat template, the longest input. */
    static ObjectNode tokenizerConfig(BpeTrainer.Result trained, TokenizerTrainingOptions options) {
        ObjectNode config = NODES.objectNode();
        ObjectNode decoder = config.putObject("added_tokens_decoder");
        for (String special : options.specialTokens()) {
            ObjectNode t = addedToken(trained.vocab().indexOf(special), special);
            t.remove("id");
            decoder.set(String.valueOf(trained.vocab().indexOf(special)), t);
        }
        putToken(config, "bos_token", options.bosToken().orElse(null));
        options.chatTemplate().ifPresent(t -> config.put("chat_template", t));
        config.put("clean_up_tokenization_spaces", false);
        putToken(config, "eos_token", options.eosToken().orElse(null));
        if (options.modelMaxLength() > 0) {
            config.put("model_max_length", options.modelMaxLength());
        }
        putToken(config, "pad_token", options.padToken().orElse(null));
        config.put("tokenizer_class", "PreTrainedTokenizerFast");
        config.putNull("unk_token");
        return config;
    }

    private static void putToken(ObjectNode config, String key, String token) {
        if (token == null) {
            config.putNull(key);
        } else {
            config.put(key, token);
        }
    }

    /** Writes both files into {@code directory}, each under a temporary name first. */
    static void write(Path directory, JsonNode tokenizerJson, JsonNode tokenizerConfig) throws IOException {
        Files.createDirectories(directory);
        writeJson(directory.resolve(HfTokenizerFactory.TOKENIZER_JSON), tokenizerJson);
        writeJson(directory.resolve(SpecialTokenConfig.TOKENIZER_CONFIG), tokenizerConfig);
    }

    private static void writeJson(Path file, JsonNode json) throws IOException {
        String text;
        try {
            text = TokenizerJson.MAPPER.writer(new PairsInlinePrinter()).writeValueAsString(json) + "\n";
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": cannot write JSON: " + e.getOriginalMessage(), e);
        }
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(temporary, text, StandardCharsets.UTF_8);
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
