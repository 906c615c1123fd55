package dev.kiln.core.train;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a checkpoint says about the model trained: the configuration a full checkpoint's
 * config.json holds, the directory its tokenizer and generation config are copied from, and the
 * name an adapter's {@code base_model_name_or_path} points back to.
 *
 * @param config the model's configuration (config.json's keys)
 * @param directory the model's directory, when it is one (a lone GGUF file has none)
 * @param nameOrPath the model as the user named it: a hub id, or the directory's absolute path
 */
public record BaseModel(Map<String, Object> config, Optional<Path> directory, String nameOrPath) {

    /** The files of a Hugging Face model directory besides the weights that a full checkpoint copies. */
    public static final String[] SIDE_FILES = {
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
        "vocab.json", "merges.txt", "tokenizer.model", "chat_template.jinja", "chat_template.json",
        "generation_config.json"
    };

    public BaseModel {
        config = new LinkedHashMap<>(config);
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(nameOrPath, "nameOrPath");
    }
}
