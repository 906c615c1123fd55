package dev.kiln.core.generate;

import dev.kiln.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A model's generation_config.json: the ids that end generation and the sampling defaults its
 * authors chose. Every field is optional (null when absent).
 *
 * @param eosTokenIds {@code eos_token_id}, an id or a list of ids; empty when absent
 * @param doSample {@code do_sample}: false (Hugging Face's default) means greedy decoding
 */
public record GenerationConfig(List<Integer> eosTokenIds, Integer bosTokenId, Integer padTokenId,
        Boolean doSample, Double temperature, Integer topK, Double topP, Double minP,
        Double repetitionPenalty, Integer maxNewTokens) {

    public static final String FILE_NAME = "generation_config.json";

    /** No generation_config.json: nothing to say. */
    public static final GenerationConfig EMPTY =
            new GenerationConfig(List.of(), null, null, null, null, null, null, null, null, null);

    public GenerationConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    /**
     * Reads {@code dir/generation_config.json}; {@link #EMPTY} when the model has none.
     *
     * @throws IllegalArgumentException when it is malformed, naming the file and the key
     */
    public static GenerationConfig read(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            return EMPTY;
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return parse(Json.parseObject(text, file.toString()), file.toString());
    }

    /** The fields of a parsed generation_config.json; {@code origin} names it in errors. */
    public static GenerationConfig parse(Map<String, Object> json, String origin) {
        Fields f = new Fields(json, origin);
        return new GenerationConfig(f.ids("eos_token_id"), f.integer("bos_token_id"),
                f.integer("pad_token_id"), f.bool("do_sample"), f.decimal("temperature"),
                f.integer("top_k"), f.decimal("top_p"), f.decimal("min_p"),
                f.decimal("repetition_penalty"), f.integer("max_new_tokens"));
    }

    /**
     * Sampling parameters with this file's defaults, as transformers' {@code generate} applies
     * them: greedy unless {@code do_sample} is true; when sampling, temperature 1 and top-k 50
     * where the file does not say otherwise; the end-of-sequence ids stop generation.
     */
    public SamplingParams samplingDefaults() {
        SamplingParams.Builder b = SamplingParams.builder();
        if (Boolean.TRUE.equals(doSample)) {
            b.temperature(temperature != null ? temperature : 1.0)
                    .topK(topK != null ? topK : 50)
                    .topP(topP != null ? topP : 1.0)
                    .minP(minP != null ? minP : 0.0);
        } else {
            b.temperature(0);
        }
        if (repetitionPenalty != null) {
            b.repetitionPenalty(repetitionPenalty);
        }
        if (maxNewTokens != null) {
            b.maxNewTokens(maxNewTokens);
        }
        return b.stopTokenIds(Set.copyOf(eosTokenIds)).build();
    }

    /** Typed access to the JSON object, with errors that name the file and the key. */
    private record Fields(Map<String, Object> json, String origin) {

        Integer integer(String key) {
            return typed(key, "an integer", v -> v instanceof Long l && l == l.intValue() ? l.intValue() : null);
        }

        Double decimal(String key) {
            return typed(key, "a number", v -> v instanceof Number n ? n.doubleValue() : null);
        }

        Boolean bool(String key) {
            return typed(key, "true or false", v -> v instanceof Boolean b ? b : null);
        }

        List<Integer> ids(String key) {
            Object value = json.get(key);
            if (value == null) {
                return List.of();
            }
            List<?> items = value instanceof List<?> list ? list : List.of(value);
            List<Integer> ids = new ArrayList<>();
            for (Object item : items) {
                if (!(item instanceof Long l) || l < 0 || l != l.intValue()) {
                    throw invalid(key, "a token id or a list of token ids", value);
                }
                ids.add(l.intValue());
            }
            return ids;
        }

        private <T> T typed(String key, String expected, Function<Object, T> convert) {
            Object value = json.get(key);
            if (value == null) {
                return null;
            }
            T converted = convert.apply(value);
            if (converted == null) {
                throw invalid(key, expected, value);
            }
            return converted;
        }

        private IllegalArgumentException invalid(String key, String expected, Object value) {
            return new IllegalArgumentException(origin + ": '" + key + "' must be " + expected
                    + ", not " + value);
        }
    }
}
