package dev.kiln.models.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.models.tokenizer.AddedVocabulary.AddedToken;
import dev.kiln.models.tokenizer.PreTokenizer.PrependScheme;
import dev.kiln.models.tokenizer.Splitting.Behavior;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads a tokenizer.json (the tokenizers crate's serialization) into an {@link HfTokenizer}.
 * The parts are parsed as the crate deserializes them; a part this module does not implement
 * is an {@link IOException} naming the file, the part and its type.
 */
final class TokenizerJson {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private TokenizerJson() {}

    /** Thrown inside parsing; the reader adds the file name. */
    static final class FormatException extends RuntimeException {
        FormatException(String message) {
            super(message);
        }
    }

    static JsonNode readTree(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            JsonNode node = MAPPER.readTree(in);
            if (node == null || node.isMissingNode()) {
                throw new IOException(file + ": empty, not JSON");
            }
            return node;
        } catch (NoSuchFileException e) {
            throw new IOException(file + ": missing", e);
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ")"), e);
        }
    }

    static HfTokenizer read(Path file) throws IOException {
        JsonNode root = readTree(file);
        try {
            return parse(root);
        } catch (FormatException | IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    static HfTokenizer parse(JsonNode root) {
        if (!root.isObject()) {
            throw new FormatException("not a tokenizer.json: the top level is not an object");
        }
        JsonNode modelNode = root.get("model");
        if (modelNode == null || !modelNode.isObject()) {
            throw new FormatException("not a tokenizer.json: no \"model\" object");
        }
        String modelType = text(modelNode, "type", null);
        if (modelType == null) {
            // Old files leave the type out; a BPE model has merges.
            modelType = modelNode.has("merges") ? "BPE" : "(no type)";
        }
        if (!modelType.equals("BPE")) {
            throw new FormatException("model type \"" + modelType
                    + "\" is not supported (this module reads BPE models only)");
        }
        Normalizer normalizer = normalizer(root.get("normalizer"));
        PreTokenizer preTokenizer = preTokenizer(root.get("pre_tokenizer"));
        Map<String, Integer> vocab = vocab(modelNode.get("vocab"));
        Bpe model = bpe(modelNode, vocab);
        List<AddedToken> added = addedTokens(root.get("added_tokens"));
        PostProcessor post = postProcessor(root.get("post_processor"));
        Decoder decoder = decoder(root.get("decoder"));
        return new HfTokenizer(vocab, model, added, normalizer, preTokenizer, post, decoder);
    }

    // ---- model -------------------------------------------------------------------------------

    static Map<String, Integer> vocab(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new FormatException("model.vocab is not an object of token to id");
        }
        Map<String, Integer> vocab = new HashMap<>(node.size() * 2);
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                throw new FormatException("model.vocab: the id of \"" + e.getKey() + "\" is not a non-negative int");
            }
            vocab.put(e.getKey(), e.getValue().asInt());
        }
        return vocab;
    }

    private static Bpe bpe(JsonNode model, Map<String, Integer> vocab) {
        JsonNode mergesNode = model.get("merges");
        if (mergesNode == null || !mergesNode.isArray()) {
            throw new FormatException("model.merges is not an array");
        }
        List<String[]> merges = new ArrayList<>(mergesNode.size());
        int rank = 0;
        for (JsonNode m : mergesNode) {
            rank++;
            if (m.isTextual()) {
                merges.add(splitMerge(m.asText(), rank, vocab));
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                merges.add(new String[] {m.get(0).asText(), m.get(1).asText()});
            } else {
                throw new FormatException("model.merges[" + (rank - 1) + "] is neither \"a b\" nor [\"a\", \"b\"]");
            }
        }
        // "dropout" is for training and is not applied.
        return new Bpe(vocab, merges, text(model, "unk_token", null),
                bool(model, "fuse_unk", false), bool(model, "byte_fallback", false),
                bool(model, "ignore_merges", false), text(model, "continuing_subword_prefix", null),
                text(model, "end_of_word_suffix", null));
    }

    /**
     * Splits an "a b" merge. A token with a space in it (the llama-2 fixture has four) makes the
     * split ambiguous: the one split whose halves and their concatenation are all in the
     * vocabulary is taken. (The Rust crate refuses such a file.)
     */
    static String[] splitMerge(String merge, int rank, Map<String, Integer> vocab) {
        int space = merge.indexOf(' ');
        if (space > 0 && space == merge.lastIndexOf(' ') && space < merge.length() - 1) {
            return new String[] {merge.substring(0, space), merge.substring(space + 1)};
        }
        String[] found = null;
        int count = 0;
        for (int i = 1; i < merge.length() - 1; i++) {
            if (merge.charAt(i) != ' ') {
                continue;
            }
            String a = merge.substring(0, i);
            String b = merge.substring(i + 1);
            if (vocab.containsKey(a) && vocab.containsKey(b) && vocab.containsKey(a + b)) {
                found = new String[] {a, b};
                count++;
            }
        }
        if (count != 1) {
            throw new FormatException("merge " + rank + " \"" + merge + "\" is not two tokens split by one space"
                    + (count > 1 ? " (" + count + " ways to read it)" : ""));
        }
        return found;
    }

    static List<AddedToken> addedTokens(JsonNode node) {
        List<AddedToken> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isArray()) {
            throw new FormatException("added_tokens is not an array");
        }
        for (JsonNode t : node) {
            if (!t.has("id") || !t.has("content")) {
                throw new FormatException("added_tokens: an entry has no id or content");
            }
            out.add(addedToken(t.get("id").asInt(), t, bool(t, "special", false)));
        }
        return out;
    }

    /** An AddedToken object (or a bare string): {@code normalized} defaults to not special. */
    static AddedToken addedToken(int id, JsonNode t, boolean special) {
        if (t.isTextual()) {
            return new AddedToken(id, t.asText(), special, false, false, false, !special);
        }
        return new AddedToken(id, t.get("content").asText(), special,
                bool(t, "single_word", false), bool(t, "lstrip", false), bool(t, "rstrip", false),
                bool(t, "normalized", !special));
    }

    // ---- normalizers -------------------------------------------------------------------------

    static Normalizer normalizer(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        String type = type(node, "normalizer");
        return switch (type) {
            case "Sequence" -> {
                List<Normalizer> list = new ArrayList<>();
                for (JsonNode n : array(node, "normalizers", "normalizer")) {
                    list.add(normalizer(n));
                }
                yield new Normalizer.Sequence(list);
            }
            case "Prepend" -> new Normalizer.Prepend(text(node, "prepend", ""));
            case "Replace" -> new Normalizer.Replace(pattern(node, "normalizer Replace"), text(node, "content", ""));
            case "NFC", "NFD", "NFKC", "NFKD" -> new Normalizer.Unicode(Normalizer.form(type));
            case "Lowercase" -> new Normalizer.Lowercase();
            case "Strip" -> new Normalizer.Strip(bool(node, "strip_left", true), bool(node, "strip_right", true));
            case "StripAccents" -> new Normalizer.StripAccents();
            default -> throw unsupported("normalizer", type);
        };
    }

    // ---- pre-tokenizers ----------------------------------------------------------------------

    static PreTokenizer preTokenizer(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        String type = type(node, "pre_tokenizer");
        return switch (type) {
            case "Sequence" -> {
                List<PreTokenizer> list = new ArrayList<>();
                for (JsonNode n : array(node, "pretokenizers", "pre_tokenizer")) {
                    list.add(preTokenizer(n));
                }
                yield new PreTokenizer.Sequence(list);
            }
            case "ByteLevel" -> new PreTokenizer.ByteLevel(bool(node, "add_prefix_space", true),
                    bool(node, "use_regex", true));
            case "Split" -> PreTokenizer.SplitPattern.of(pattern(node, "pre_tokenizer Split"),
                    Behavior.parse(text(node, "behavior", "Isolated")), bool(node, "invert", false));
            case "Metaspace" -> new PreTokenizer.Metaspace(replacement(node), prependScheme(node),
                    bool(node, "split", true));
            case "Digits" -> PreTokenizer.digits(bool(node, "individual_digits", false));
            case "Punctuation" -> PreTokenizer.punctuation(Behavior.parse(text(node, "behavior", "Isolated")));
            case "Whitespace" -> PreTokenizer.whitespace();
            case "WhitespaceSplit" -> PreTokenizer.whitespaceSplit();
            case "CharDelimiterSplit" -> PreTokenizer.charDelimiter(text(node, "delimiter", " ").codePointAt(0));
            default -> throw unsupported("pre_tokenizer", type);
        };
    }

    private static String replacement(JsonNode node) {
        String r = text(node, "replacement", "\u2581");
        if (r.isEmpty() || r.codePointCount(0, r.length()) != 1) {
            throw new FormatException("Metaspace replacement \"" + r + "\" is not one character");
        }
        return r;
    }

    /** prepend_scheme, or the older add_prefix_space (true: always, false: never). */
    private static PrependScheme prependScheme(JsonNode node) {
        String scheme = text(node, "prepend_scheme", null);
        if (scheme != null) {
            return PrependScheme.parse(scheme);
        }
        return bool(node, "add_prefix_space", true) ? PrependScheme.ALWAYS : PrependScheme.NEVER;
    }

    // ---- post-processors ---------------------------------------------------------------------

    static PostProcessor postProcessor(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        String type = type(node, "post_processor");
        return switch (type) {
            case "TemplateProcessing" -> template(node);
            case "ByteLevel" -> new PostProcessor.Identity();
            case "RobertaProcessing", "BertProcessing" -> {
                int[] cls = {pairId(node, "cls")};
                int[] sep = {pairId(node, "sep")};
                List<int[]> items = new ArrayList<>();
                items.add(cls);
                items.add(null);
                items.add(sep);
                yield new PostProcessor.Template(items);
            }
            case "Sequence" -> {
                List<PostProcessor> list = new ArrayList<>();
                for (JsonNode n : array(node, "processors", "post_processor")) {
                    list.add(postProcessor(n));
                }
                yield new PostProcessor.Sequence(list);
            }
            default -> throw unsupported("post_processor", type);
        };
    }

    private static int pairId(JsonNode node, String field) {
        JsonNode pair = node.get(field);
        if (pair == null || !pair.isArray() || pair.size() != 2) {
            throw new FormatException("post_processor " + field + " is not [token, id]");
        }
        return pair.get(1).asInt();
    }

    private static PostProcessor template(JsonNode node) {
        JsonNode single = node.get("single");
        JsonNode specials = node.get("special_tokens");
        if (single == null || !single.isArray()) {
            throw new FormatException("TemplateProcessing has no \"single\" template");
        }
        List<int[]> items = new ArrayList<>();
        for (JsonNode item : single) {
            if (item.has("Sequence")) {
                items.add(null);
            } else if (item.has("SpecialToken")) {
                String id = item.get("SpecialToken").path("id").asText();
                JsonNode special = specials == null ? null : specials.get(id);
                if (special == null || !special.has("ids")) {
                    throw new FormatException("TemplateProcessing: special token \"" + id + "\" has no ids");
                }
                int[] tokenIds = new int[special.get("ids").size()];
                for (int i = 0; i < tokenIds.length; i++) {
                    tokenIds[i] = special.get("ids").get(i).asInt();
                }
                items.add(tokenIds);
            } else {
                throw new FormatException("TemplateProcessing: template item " + item + " is not supported");
            }
        }
        return new PostProcessor.Template(items);
    }

    // ---- decoders ----------------------------------------------------------------------------

    static Decoder decoder(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        String type = type(node, "decoder");
        return switch (type) {
            case "Sequence" -> {
                List<Decoder> list = new ArrayList<>();
                for (JsonNode n : array(node, "decoders", "decoder")) {
                    list.add(decoder(n));
                }
                yield new Decoder.Sequence(list);
            }
            case "ByteLevel" -> new Decoder.ByteLevel();
            case "ByteFallback" -> new Decoder.ByteFallback();
            case "Fuse" -> new Decoder.Fuse();
            case "Replace" -> new Decoder.Replace(pattern(node, "decoder Replace"), text(node, "content", ""));
            case "Strip" -> new Decoder.Strip(text(node, "content", " ").codePointAt(0),
                    node.path("start").asInt(0), node.path("stop").asInt(0));
            case "Metaspace" -> new Decoder.Metaspace(replacement(node),
                    prependScheme(node) != PrependScheme.NEVER);
            case "BPEDecoder" -> new Decoder.BpeSuffix(text(node, "suffix", "</w>"));
            default -> throw unsupported("decoder", type);
        };
    }

    // ---- helpers -----------------------------------------------------------------------------

    /** A {"String": s} or {"Regex": r} pattern. */
    private static Pattern pattern(JsonNode node, String where) {
        JsonNode p = node.get("pattern");
        if (p != null && p.has("String")) {
            return OnigRegex.literal(p.get("String").asText());
        }
        if (p != null && p.has("Regex")) {
            return OnigRegex.compile(p.get("Regex").asText());
        }
        throw new FormatException(where + ": pattern is neither {\"String\": ...} nor {\"Regex\": ...}");
    }

    private static String type(JsonNode node, String part) {
        JsonNode t = node.get("type");
        if (t == null || !t.isTextual()) {
            throw new FormatException(part + " has no type");
        }
        return t.asText();
    }

    private static JsonNode array(JsonNode node, String field, String part) {
        JsonNode a = node.get(field);
        if (a == null || !a.isArray()) {
            throw new FormatException(part + " Sequence has no \"" + field + "\" array");
        }
        return a;
    }

    static String text(JsonNode node, String field, String fallback) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? fallback : v.asText();
    }

    static boolean bool(JsonNode node, String field, boolean fallback) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? fallback : v.asBoolean();
    }

    private static FormatException unsupported(String part, String type) {
        return new FormatException(part + " type \"" + type + "\" is not supported");
    }
}
