package dev.kiln.models.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Path;

/** Strict JSON parsing for headers and indexes: a malformed file is an error, never a guess. */
final class Json {

    // Duplicate keys and trailing garbage are rejected: either would let two readers of the same
    // file disagree on which tensors it holds.
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private Json() {
    }

    /** Parses {@code bytes}, the {@code what} of {@code file}, into a JSON object. */
    static JsonNode readObject(Path file, String what, byte[] bytes) throws IOException {
        JsonNode root;
        try {
            root = MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": " + what + " is not valid JSON: " + e.getOriginalMessage(),
                    e);
        }
        if (root == null || !root.isObject()) {
            throw new IOException(file + ": " + what + " is not a JSON object");
        }
        return root;
    }

    /** A JSON value as plain Java: maps, lists, strings, numbers, booleans. */
    static Object toJava(JsonNode node) {
        return MAPPER.convertValue(node, Object.class);
    }
}
