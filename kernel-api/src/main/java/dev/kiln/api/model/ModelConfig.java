package dev.kiln.api.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A model's configuration as its config.json (or GGUF metadata, translated) states it, with typed
 * access that names the key and the file in its errors. Families read what differs between
 * architectures from here (q/k/v bias, head_dim, rope_scaling, tie_word_embeddings, ...) rather
 * than hard-coding it per name.
 */
public final class ModelConfig {

    private final Map<String, Object> values;
    private final String origin;

    /**
     * @param values the parsed JSON object (String, Number, Boolean, List, Map, null values;
     *     a key whose value is null is not set)
     * @param origin where it came from, for errors: {@code models/qwen/config.json}
     */
    public ModelConfig(Map<String, Object> values, String origin) {
        // JSON null ("rope_scaling": null) means the key is not set, as every accessor treats it.
        Map<String, Object> set = new LinkedHashMap<>();
        Objects.requireNonNull(values).forEach((key, value) -> {
            if (value != null) {
                set.put(key, value);
            }
        });
        this.values = Collections.unmodifiableMap(set);
        this.origin = Objects.requireNonNull(origin);
    }

    public Map<String, Object> values() { return values; }
    public String origin() { return origin; }

    /** {@code architectures}, e.g. {@code [LlamaForCausalLM]}; empty when absent. */
    public List<String> architectures() {
        Object a = values.get("architectures");
        return a instanceof List<?> list ? list.stream().map(String::valueOf).toList() : List.of();
    }

    /** {@code model_type}, e.g. {@code qwen2}. */
    public Optional<String> modelType() {
        return string("model_type");
    }

    public Optional<String> string(String key) {
        return Optional.ofNullable(values.get(key)).map(String::valueOf);
    }

    public Optional<Integer> integer(String key) {
        return number(key).map(n -> {
            if (n.doubleValue() != Math.rint(n.doubleValue())) {
                throw invalid(key, "an integer", n);
            }
            return n.intValue();
        });
    }

    public Optional<Double> decimal(String key) {
        return number(key).map(Number::doubleValue);
    }

    public Optional<Boolean> bool(String key) {
        Object v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof Boolean b) {
            return Optional.of(b);
        }
        throw invalid(key, "true or false", v);
    }

    /** A nested object such as {@code rope_scaling}. */
    public Optional<ModelConfig> object(String key) {
        Object v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof Map<?, ?> map) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) map;
            return Optional.of(new ModelConfig(m, origin + " " + key));
        }
        throw invalid(key, "an object", v);
    }

    /** An integer the model cannot do without. */
    public int requireInteger(String key) {
        return integer(key).orElseThrow(() -> missing(key));
    }

    /** A number the model cannot do without. */
    public double requireDecimal(String key) {
        return decimal(key).orElseThrow(() -> missing(key));
    }

    private Optional<Number> number(String key) {
        Object v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof Number n) {
            return Optional.of(n);
        }
        throw invalid(key, "a number", v);
    }

    private IllegalArgumentException missing(String key) {
        return new IllegalArgumentException(origin + ": missing '" + key + "'");
    }

    private IllegalArgumentException invalid(String key, String expected, Object actual) {
        return new IllegalArgumentException(origin + ": '" + key + "' must be " + expected
                + ", not " + actual);
    }
}
