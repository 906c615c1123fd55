package dev.kiln.core.infer;

import dev.kiln.api.chat.ChatTemplate;
import dev.kiln.api.chat.ChatTemplateEngine;
import dev.kiln.api.tokenizer.SpecialTokens;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.core.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The chat template a model ships, found where transformers looks for it: chat_template.jinja,
 * then the {@code chat_template} of tokenizer_config.json (a string, or a list of named templates
 * of which {@code default} is taken), then a GGUF file's {@code tokenizer.chat_template}. It is
 * compiled with the special tokens the template may use ({@code bos_token}, {@code eos_token}).
 */
public final class ModelChatTemplate {

    private static final String JINJA_FILE = "chat_template.jinja";
    private static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    private static final String GGUF_KEY = "tokenizer.chat_template";

    private ModelChatTemplate() {}

    /**
     * The model's own template, compiled; empty when it has none.
     *
     * @param location the model directory, or a single checkpoint file
     * @param checkpointMetadata the metadata its weight file carries (GGUF key-values), or empty
     * @param tokenizer the model's tokenizer: the special tokens' text where no config names them
     * @throws IOException naming the file when a template file cannot be read or parsed
     */
    public static Optional<ChatTemplate> find(Path location, Map<String, Object> checkpointMetadata,
            Tokenizer tokenizer, ChatTemplateEngine engine) throws IOException {
        Path directory = Files.isDirectory(location) ? location : location.toAbsolutePath().getParent();
        Map<String, Object> tokenizerConfig = readTokenizerConfig(directory);
        Map<String, Object> globals = specialTokens(tokenizerConfig, tokenizer);
        Path jinja = directory.resolve(JINJA_FILE);
        if (Files.isRegularFile(jinja)) {
            return Optional.of(compile(engine, Files.readString(jinja, StandardCharsets.UTF_8),
                    globals, jinja.toString()));
        }
        Optional<String> source = fromTokenizerConfig(tokenizerConfig, directory);
        if (source.isEmpty() && checkpointMetadata.get(GGUF_KEY) instanceof String gguf) {
            source = Optional.of(gguf);
        }
        if (source.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(compile(engine, source.get(), globals, location.toString()));
    }

    private static ChatTemplate compile(ChatTemplateEngine engine, String source,
            Map<String, Object> globals, String origin) throws IOException {
        try {
            return engine.compile(source, globals);
        } catch (IllegalArgumentException e) {
            throw new IOException(origin + ": the chat template does not parse: " + e.getMessage(), e);
        }
    }

    private static Map<String, Object> readTokenizerConfig(Path directory) throws IOException {
        Path file = directory == null ? null : directory.resolve(TOKENIZER_CONFIG);
        if (file == null || !Files.isRegularFile(file)) {
            return Map.of();
        }
        try {
            return Json.parseObject(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static Optional<String> fromTokenizerConfig(Map<String, Object> config, Path directory)
            throws IOException {
        Object template = config.get("chat_template");
        if (template == null) {
            return Optional.empty();
        }
        if (template instanceof String s) {
            return Optional.of(s);
        }
        if (template instanceof List<?> named) {
            for (Object entry : named) {
                if (entry instanceof Map<?, ?> m && "default".equals(m.get("name"))
                        && m.get("template") instanceof String s) {
                    return Optional.of(s);
                }
            }
        }
        throw new IOException(directory.resolve(TOKENIZER_CONFIG)
                + ": chat_template must be a string or a list with a template named 'default'");
    }

    /**
     * bos_token and eos_token as strings: tokenizer_config.json writes them plain or as AddedToken
     * objects; a GGUF model has only its tokenizer's ids.
     */
    private static Map<String, Object> specialTokens(Map<String, Object> config, Tokenizer tokenizer) {
        Map<String, Object> globals = new HashMap<>();
        SpecialTokens special = tokenizer.specialTokens();
        special.bos().ifPresent(id -> tokenizer.token(id).ifPresent(t -> globals.put("bos_token", t)));
        special.eos().stream().min(Integer::compare)
                .flatMap(tokenizer::token).ifPresent(t -> globals.put("eos_token", t));
        for (String key : List.of("bos_token", "eos_token", "unk_token", "pad_token")) {
            Object value = config.get(key);
            if (value instanceof Map<?, ?> token) {
                value = token.get("content");
            }
            if (value instanceof String s) {
                globals.put(key, s);
            }
        }
        return globals;
    }
}
