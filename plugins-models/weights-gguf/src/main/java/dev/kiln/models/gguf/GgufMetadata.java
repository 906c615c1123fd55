package dev.kiln.models.gguf;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Typed reads of a GGUF file's metadata. A missing required key, or a value of the wrong type,
 * is an {@link IllegalArgumentException} naming the file and the key.
 */
final class GgufMetadata {

    private final Path file;
    private final Map<String, Object> values;

    GgufMetadata(Path file, Map<String, Object> values) {
        this.file = file;
        this.values = values;
    }

    Path file() {
        return file;
    }

    boolean has(String key) {
        return values.containsKey(key);
    }

    String string(String key) {
        return optionalString(key).orElseThrow(() -> missing(key));
    }

    Optional<String> optionalString(String key) {
        Object v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof String s) {
            return Optional.of(s);
        }
        throw wrongType(key, "a string", v);
    }

    long integer(String key) {
        return optionalInteger(key).orElseThrow(() -> missing(key));
    }

    /** An integer of any GGUF width; a per-layer array is refused by name. */
    Optional<Long> optionalInteger(String key) {
        Object v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof Integer || v instanceof Long) {
            return Optional.of(((Number) v).longValue());
        }
        if (v instanceof List<?>) {
            throw new IllegalArgumentException(file + ": metadata key '" + key
                    + "' holds one value per layer, which is not supported");
        }
        throw wrongType(key, "an integer", v);
    }

    double decimal(String key) {
        return optionalDecimal(key).orElseThrow(() -> missing(key));
    }

    /** A float32 as the double of the same value, as transformers reads it; integers too. */
    Optional<Double> optionalDecimal(String key) {
        Object v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof Number n) {
            return Optional.of(n.doubleValue());
        }
        throw wrongType(key, "a number", v);
    }

    Optional<Boolean> optionalBool(String key) {
        Object v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof Boolean b) {
            return Optional.of(b);
        }
        throw wrongType(key, "true or false", v);
    }

    Optional<List<?>> optionalList(String key) {
        Object v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof List<?> list) {
            return Optional.of(list);
        }
        throw wrongType(key, "an array", v);
    }

    IllegalArgumentException missing(String key) {
        return new IllegalArgumentException(file + ": metadata key '" + key + "' is missing");
    }

    private IllegalArgumentException wrongType(String key, String expected, Object v) {
        return new IllegalArgumentException(file + ": metadata key '" + key + "' is "
                + v.getClass().getSimpleName() + " " + v + ", not " + expected);
    }
}
