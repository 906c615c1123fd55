package dev.kiln.models.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code model.safetensors.index.json} of a sharded checkpoint: {@code weight_map} names, for
 * every tensor, the shard file in the same directory that holds it; {@code metadata} is optional.
 */
record ShardIndex(Path path, Map<String, String> weightMap, Map<String, Object> metadata) {

    /** The largest index accepted: a few MB for the largest models, so more is a wrong file. */
    static final long MAX_INDEX_BYTES = 100L * 1024 * 1024;

    static ShardIndex read(Path path) throws IOException {
        long size = Files.size(path);
        if (size > MAX_INDEX_BYTES) {
            throw new IOException(path + ": " + size + " bytes exceeds the limit of "
                    + MAX_INDEX_BYTES + " for a shard index");
        }
        JsonNode root = Json.readObject(path, "shard index", Files.readAllBytes(path));
        JsonNode map = root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new IOException(path + ": weight_map is missing or not a JSON object");
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : map.properties()) {
            String tensor = entry.getKey();
            JsonNode shard = entry.getValue();
            if (!shard.isTextual() || !isPlainFileName(shard.textValue())) {
                throw new IOException(path + ": tensor '" + tensor + "' maps to " + shard
                        + ", which is not a file name in the index's directory");
            }
            weightMap.put(tensor, shard.textValue());
        }
        Map<String, Object> metadata = new LinkedHashMap<>();
        JsonNode meta = root.get("metadata");
        if (meta != null && !meta.isNull()) {
            if (!meta.isObject()) {
                throw new IOException(path + ": metadata is not a JSON object");
            }
            meta.properties().forEach(e -> metadata.put(e.getKey(), Json.toJava(e.getValue())));
        }
        return new ShardIndex(path, Collections.unmodifiableMap(weightMap),
                Collections.unmodifiableMap(metadata));
    }

    // Shards sit beside the index: a path that leaves the directory is refused, not followed.
    private static boolean isPlainFileName(String name) {
        return !name.isEmpty() && !name.equals(".") && !name.equals("..")
                && name.indexOf('/') < 0 && name.indexOf('\\') < 0 && name.indexOf('\0') < 0;
    }
}
