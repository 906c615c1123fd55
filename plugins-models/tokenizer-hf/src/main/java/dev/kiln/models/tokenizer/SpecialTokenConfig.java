package dev.kiln.models.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.api.tokenizer.SpecialTokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The files beside a tokenizer that name its special tokens: tokenizer_config.json,
 * special_tokens_map.json (both as transformers writes them: a token is a string or an
 * AddedToken object) and generation_config.json (ids; {@code eos_token_id} may be a list).
 */
final class SpecialTokenConfig {

    static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    static final String SPECIAL_TOKENS_MAP = "special_tokens_map.json";
    static final String GENERATION_CONFIG = "generation_config.json";

    /** Tokens that end a sequence in the common families, for a tokenizer without configs. */
    private static final List<String> KNOWN_EOS = List.of("</s>", "<|endoftext|>",
            "<|end_of_text|>", "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<eos>");

    final JsonNode tokenizerConfig;
    final JsonNode specialTokensMap;
    final JsonNode generationConfig;

    private SpecialTokenConfig(JsonNode tokenizerConfig, JsonNode specialTokensMap, JsonNode generationConfig) {
        this.tokenizerConfig = tokenizerConfig;
        this.specialTokensMap = specialTokensMap;
        this.generationConfig = generationConfig;
    }

    /** Reads the configs present in {@code dir}; a malformed one is an IOException naming it. */
    static SpecialTokenConfig read(Path dir) throws IOException {
        return new SpecialTokenConfig(optional(dir, TOKENIZER_CONFIG), optional(dir, SPECIAL_TOKENS_MAP),
                optional(dir, GENERATION_CONFIG));
    }

    private static JsonNode optional(Path dir, String name) throws IOException {
        if (dir == null) {
            return null;
        }
        Path file = dir.resolve(name);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        JsonNode node = TokenizerJson.readTree(file);
        if (!node.isObject()) {
            throw new IOException(file + ": not a JSON object");
        }
        return node;
    }

    /** The content of a special token entry ("bos_token", ...), from either config, or null. */
    String token(String key) {
        for (JsonNode config : new JsonNode[] {tokenizerConfig, specialTokensMap}) {
            if (config == null) {
                continue;
            }
            JsonNode v = config.get(key);
            if (v != null && v.isTextual()) {
                return v.asText();
            }
            if (v != null && v.isObject() && v.has("content")) {
                return v.get("content").asText();
            }
        }
        return null;
    }

    /** additional_special_tokens of either config. */
    Set<String> additionalSpecialTokens() {
        Set<String> out = new LinkedHashSet<>();
        for (JsonNode config : new JsonNode[] {tokenizerConfig, specialTokensMap}) {
            if (config != null && config.path("additional_special_tokens").isArray()) {
                for (JsonNode t : config.get("additional_special_tokens")) {
                    out.add(t.isObject() ? t.path("content").asText() : t.asText());
                }
            }
        }
        return out;
    }

    boolean flag(String key, boolean fallback) {
        return tokenizerConfig == null ? fallback : TokenizerJson.bool(tokenizerConfig, key, fallback);
    }

    String tokenizerClass() {
        return tokenizerConfig == null ? null : TokenizerJson.text(tokenizerConfig, "tokenizer_class", null);
    }

    /**
     * The special tokens of {@code tokenizer}: from the configs, then the model's unk token, the
     * BOS the post-processor adds, and the well-known end tokens that are special added tokens.
     */
    SpecialTokens resolve(HfTokenizer tokenizer, String modelUnk) {
        Integer bos = id(tokenizer, token("bos_token"));
        if (bos == null) {
            bos = generationId("bos_token_id");
        }
        if (bos == null && tokenizer.postProcessor() != null) {
            bos = tokenizer.postProcessor().leadingSpecial();
        }
        Set<Integer> eos = new LinkedHashSet<>();
        Integer configEos = id(tokenizer, token("eos_token"));
        if (configEos != null) {
            eos.add(configEos);
        }
        if (generationConfig != null) {
            JsonNode e = generationConfig.get("eos_token_id");
            if (e != null && e.isArray()) {
                e.forEach(v -> eos.add(v.asInt()));
            } else if (e != null && e.canConvertToInt()) {
                eos.add(e.asInt());
            }
        }
        if (eos.isEmpty()) {
            for (String name : KNOWN_EOS) {
                tokenizer.addedTokens().stream()
                        .filter(t -> t.special() && t.content().equals(name))
                        .forEach(t -> eos.add(t.id()));
            }
        }
        Integer pad = id(tokenizer, token("pad_token"));
        if (pad == null) {
            pad = generationId("pad_token_id");
        }
        Integer unk = id(tokenizer, token("unk_token"));
        if (unk == null) {
            unk = id(tokenizer, modelUnk);
        }
        return new SpecialTokens(bos, eos, pad, unk);
    }

    private Integer generationId(String key) {
        if (generationConfig == null) {
            return null;
        }
        JsonNode v = generationConfig.get(key);
        return v != null && v.canConvertToInt() ? v.asInt() : null;
    }

    private static Integer id(HfTokenizer tokenizer, String token) {
        if (token == null) {
            return null;
        }
        var id = tokenizer.tokenId(token);
        return id.isPresent() ? id.getAsInt() : null;
    }
}
