package dev.kiln.models.tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The vocabulary a GGUF file carries in its metadata ({@code tokenizer.ggml.*}, as llama.cpp's
 * convert_hf_to_gguf writes it), read and checked. A missing key or a value of the wrong type or
 * length is an {@link IOException} naming the file and the key.
 *
 * @param model {@code tokenizer.ggml.model}: {@code llama} (SentencePiece BPE) or {@code gpt2}
 *     (byte-level BPE)
 * @param pre {@code tokenizer.ggml.pre}, the pre-tokenizer of a gpt2 vocabulary, or null
 * @param scores one per token, or null
 * @param types one {@code TYPE_*} per token, or null
 * @param merges {@code "a b"} strings, or null
 * @param addBos {@code tokenizer.ggml.add_bos_token}, or null when the file does not say
 */
record GgufVocabulary(Path file, String model, String pre, List<String> tokens, float[] scores,
        int[] types, List<String> merges, Integer bos, Integer eos, Integer unk, Integer pad,
        Integer eot, Integer eom, Boolean addBos, Boolean addEos, boolean addSpacePrefix) {

    /** llama.cpp's {@code llama_token_type}s that matter here (5 is unused, 6 byte). */
    static final int TYPE_NORMAL = 1;
    static final int TYPE_UNKNOWN = 2;
    static final int TYPE_CONTROL = 3;
    static final int TYPE_USER_DEFINED = 4;

    static final String PREFIX = "tokenizer.ggml.";

    static GgufVocabulary read(Path file, Map<String, Object> metadata) throws IOException {
        Keys keys = new Keys(file, metadata);
        String model = keys.string("model", true);
        List<String> tokens = keys.strings("tokens", true);
        int n = tokens.size();
        float[] scores = keys.floats("scores", n);
        int[] types = keys.ints("token_type", n);
        List<String> merges = keys.strings("merges", false);
        return new GgufVocabulary(file, model, keys.string("pre", false), tokens, scores, types,
                merges, keys.id("bos_token_id", n), keys.id("eos_token_id", n),
                keys.id("unknown_token_id", n), keys.id("padding_token_id", n),
                keys.id("eot_token_id", n), keys.id("eom_token_id", n),
                keys.bool("add_bos_token"), keys.bool("add_eos_token"),
                keys.bool("add_space_prefix") == null || keys.bool("add_space_prefix"));
    }

    int size() {
        return tokens.size();
    }

    int type(int id) {
        return types == null ? TYPE_NORMAL : types[id];
    }

    IOException error(String key, String message) {
        return new IOException(file + ": metadata key '" + PREFIX + key + "' " + message);
    }

    /** Typed reads of {@code tokenizer.ggml.<key>}. */
    private record Keys(Path file, Map<String, Object> metadata) {

        private Object get(String key, boolean required) throws IOException {
            Object v = metadata.get(PREFIX + key);
            if (v == null && required) {
                throw new IOException(file + ": metadata key '" + PREFIX + key + "' is missing"
                        + (key.equals("model") ? " (the file carries no vocabulary)" : ""));
            }
            return v;
        }

        private IOException wrong(String key, String expected, Object v) {
            String shown = v instanceof List<?> list ? "an array of " + list.size() : String.valueOf(v);
            return new IOException(file + ": metadata key '" + PREFIX + key + "' is " + shown
                    + ", not " + expected);
        }

        String string(String key, boolean required) throws IOException {
            Object v = get(key, required);
            if (v == null || v instanceof String) {
                return (String) v;
            }
            throw wrong(key, "a string", v);
        }

        Boolean bool(String key) throws IOException {
            Object v = get(key, false);
            if (v == null || v instanceof Boolean) {
                return (Boolean) v;
            }
            throw wrong(key, "true or false", v);
        }

        List<String> strings(String key, boolean required) throws IOException {
            Object v = get(key, required);
            if (v == null) {
                return null;
            }
            if (v instanceof List<?> list && list.stream().allMatch(e -> e instanceof String)) {
                @SuppressWarnings("unchecked")
                List<String> strings = (List<String>) list;
                return strings;
            }
            throw wrong(key, "an array of strings", v);
        }

        float[] floats(String key, int count) throws IOException {
            List<?> list = list(key, count);
            if (list == null) {
                return null;
            }
            float[] out = new float[count];
            for (int i = 0; i < count; i++) {
                if (!(list.get(i) instanceof Number number)) {
                    throw wrong(key, "an array of numbers", list);
                }
                out[i] = number.floatValue();
            }
            return out;
        }

        int[] ints(String key, int count) throws IOException {
            List<?> list = list(key, count);
            if (list == null) {
                return null;
            }
            int[] out = new int[count];
            for (int i = 0; i < count; i++) {
                if (!(list.get(i) instanceof Integer || list.get(i) instanceof Long)) {
                    throw wrong(key, "an array of integers", list);
                }
                out[i] = ((Number) list.get(i)).intValue();
            }
            return out;
        }

        /** An optional array with one entry per token. */
        private List<?> list(String key, int count) throws IOException {
            Object v = get(key, false);
            if (v == null) {
                return null;
            }
            if (!(v instanceof List<?> list) || list.size() != count) {
                throw wrong(key, "an array of " + count + " (one per token)", v);
            }
            return list;
        }

        /** A token id: an integer below the vocabulary size. */
        Integer id(String key, int size) throws IOException {
            Object v = get(key, false);
            if (v == null) {
                return null;
            }
            if ((v instanceof Integer || v instanceof Long) && ((Number) v).longValue() >= 0
                    && ((Number) v).longValue() < size) {
                return ((Number) v).intValue();
            }
            throw wrong(key, "a token id below the vocabulary size " + size, v);
        }
    }
}
