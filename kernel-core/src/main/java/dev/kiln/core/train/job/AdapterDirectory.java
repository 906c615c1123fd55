package dev.kiln.core.train.job;

import dev.kiln.core.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A PEFT adapter directory as {@code --adapters} names it: its adapter_config.json, the tuner
 * that loads it ({@code peft_type} lower-cased: {@code LORA} is {@code lora}) and the base model
 * it was trained on ({@code base_model_name_or_path}).
 *
 * @param directory the adapter directory
 * @param tuner the name of the tuner that loads it
 * @param baseModel the base model as the adapter names it, when it does
 */
public record AdapterDirectory(Path directory, String tuner, Optional<String> baseModel) {

    /** The configuration file of a PEFT adapter. */
    public static final String CONFIG = "adapter_config.json";

    /**
     * @throws IOException naming the directory when it is no adapter (a full model directory is
     *     named as one) or its configuration is unreadable
     */
    public static AdapterDirectory read(Path directory) throws IOException {
        Path config = directory.resolve(CONFIG);
        if (!Files.isRegularFile(config)) {
            if (Files.isRegularFile(directory.resolve("config.json"))) {
                throw new IOException("--adapters " + directory + ": a full model directory"
                        + " (config.json, no " + CONFIG + "): use --model " + directory);
            }
            throw new IOException("--adapters " + directory + ": no " + CONFIG + " there"
                    + (Files.isDirectory(directory) ? "" : " (no such directory)"));
        }
        Map<String, Object> json;
        try {
            json = Json.parseObject(Files.readString(config, StandardCharsets.UTF_8), config.toString());
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        if (!(json.get("peft_type") instanceof String type) || type.isBlank()) {
            throw new IOException(config + ": no 'peft_type' naming the kind of adapter");
        }
        Optional<String> base = json.get("base_model_name_or_path") instanceof String s && !s.isBlank()
                ? Optional.of(s) : Optional.empty();
        return new AdapterDirectory(directory, type.toLowerCase(Locale.ROOT), base);
    }

    /** The base model: {@code --model} when given, else the adapter's own. */
    public String baseModel(Optional<String> model) throws IOException {
        if (model.isPresent()) {
            return model.get();
        }
        return baseModel.orElseThrow(() -> new IOException(directory.resolve(CONFIG)
                + ": no base_model_name_or_path; give --model"));
    }
}
