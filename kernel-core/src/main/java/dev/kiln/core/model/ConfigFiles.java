package dev.kiln.core.model;

import dev.kiln.api.model.ModelConfig;
import dev.kiln.core.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** config.json beside a checkpoint, read into a {@link ModelConfig}. */
final class ConfigFiles {

    static final String CONFIG_JSON = "config.json";

    private ConfigFiles() {}

    /** config.json in the directory {@code location}, or beside the file {@code location}. */
    static Optional<Path> beside(Path location) {
        Path directory = Files.isDirectory(location) ? location : location.toAbsolutePath().getParent();
        if (directory == null) {
            return Optional.empty();
        }
        Path config = directory.resolve(CONFIG_JSON);
        return Files.isRegularFile(config) ? Optional.of(config) : Optional.empty();
    }

    static ModelConfig read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        try {
            return of(Json.parseObject(text, file.toString()), file.toString());
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * A config from parsed JSON. A null value means the key is not set (config.json writes
     * {@code "rope_scaling": null}), so nulls are left out, in nested objects too.
     */
    static ModelConfig of(Map<String, Object> values, String origin) {
        return new ModelConfig(withoutNulls(values), origin);
    }

    /** {@code config} with {@code key} set to {@code value}. */
    static ModelConfig with(ModelConfig config, String key, Object value) {
        Map<String, Object> values = new LinkedHashMap<>(config.values());
        values.put(key, value);
        return new ModelConfig(values, config.origin());
    }

    private static Map<String, Object> withoutNulls(Map<?, ?> map) {
        Map<String, Object> copy = new LinkedHashMap<>();
        map.forEach((key, value) -> {
            if (value != null) {
                copy.put(String.valueOf(key), value instanceof Map<?, ?> nested ? withoutNulls(nested)
                        : value instanceof List<?> list ? withoutNulls(list) : value);
            }
        });
        return copy;
    }

    /** A list keeps its nulls (they are elements, not unset keys); its objects lose theirs. */
    private static List<Object> withoutNulls(List<?> list) {
        List<Object> copy = new ArrayList<>(list.size());
        for (Object v : list) {
            copy.add(v instanceof Map<?, ?> nested ? withoutNulls(nested) : v);
        }
        return copy;
    }
}
