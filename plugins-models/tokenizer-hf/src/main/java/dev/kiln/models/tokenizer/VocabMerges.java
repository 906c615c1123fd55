package dev.kiln.models.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.models.tokenizer.AddedVocabulary.AddedToken;
import dev.kiln.models.tokenizer.Splitting.Behavior;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The layout before tokenizer.json: vocab.json and merges.txt (or GPT-2's original names,
 * encoder.json and vocab.bpe), with tokenizer_config.json and special_tokens_map.json beside
 * them. Built as transformers converts such files into a fast tokenizer: byte-level BPE with
 * GPT-2's split regex ({@code GPT2Converter}), or NFC and Qwen2's regex when the config names
 * {@code Qwen2Tokenizer} ({@code Qwen2Converter}).
 */
final class VocabMerges {

    /** transformers' Qwen2Converter split regex. */
    static final String QWEN2_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
            + "|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private static final Set<String> GPT2_CLASSES = Set.of("GPT2Tokenizer", "GPT2TokenizerFast",
            "CodeGenTokenizer", "CodeGenTokenizerFast");
    private static final Set<String> QWEN2_CLASSES = Set.of("Qwen2Tokenizer", "Qwen2TokenizerFast");

    private VocabMerges() {}

    static HfTokenizer read(Path vocabFile, Path mergesFile) throws IOException {
        Path dir = vocabFile.toAbsolutePath().getParent();
        SpecialTokenConfig config = SpecialTokenConfig.read(dir);
        String cls = config.tokenizerClass();
        boolean qwen2 = cls != null && QWEN2_CLASSES.contains(cls);
        if (cls != null && !qwen2 && !GPT2_CLASSES.contains(cls)) {
            throw new IOException(dir.resolve(SpecialTokenConfig.TOKENIZER_CONFIG) + ": tokenizer_class \""
                    + cls + "\" is not supported with " + vocabFile.getFileName() + " + "
                    + mergesFile.getFileName() + " (GPT2Tokenizer, CodeGenTokenizer and Qwen2Tokenizer are)");
        }
        Map<String, Integer> vocab;
        JsonNode vocabJson = TokenizerJson.readTree(vocabFile);
        try {
            vocab = TokenizerJson.vocab(vocabJson);
        } catch (TokenizerJson.FormatException e) {
            throw new IOException(vocabFile + ": " + e.getMessage().replace("model.vocab", "the vocabulary"), e);
        }
        List<String[]> merges = merges(mergesFile, vocab);

        Bpe model;
        try {
            model = new Bpe(vocab, merges, null, false, false, false, null, null);
        } catch (IllegalArgumentException e) {
            throw new IOException(mergesFile + ": " + e.getMessage(), e);
        }
        List<AddedToken> added = addedTokens(dir, config, vocab);
        boolean addPrefixSpace = config.flag("add_prefix_space", false);
        Normalizer normalizer = qwen2 ? new Normalizer.Unicode(java.text.Normalizer.Form.NFC) : null;
        PreTokenizer pre = qwen2
                ? new PreTokenizer.Sequence(List.of(
                        PreTokenizer.SplitPattern.of(OnigRegex.compile(QWEN2_PATTERN), Behavior.ISOLATED, false),
                        new PreTokenizer.ByteLevel(addPrefixSpace, false)))
                : new PreTokenizer.ByteLevel(addPrefixSpace, true);
        PostProcessor post = postProcessor(config, vocab, added);
        HfTokenizer tokenizer = new HfTokenizer(vocab, model, added, normalizer, pre, post, new Decoder.ByteLevel());
        tokenizer.specialTokens(config.resolve(tokenizer, null));
        return tokenizer;
    }

    /** merges.txt: one "a b" pair a line after an optional "#version" line. */
    private static List<String[]> merges(Path file, Map<String, Integer> vocab) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IOException(file + ": missing (the BPE merges that go with the vocabulary)", e);
        } catch (CharacterCodingException e) {
            throw new IOException(file + ": not UTF-8 text", e);
        }
        List<String[]> merges = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (i == 0 && line.startsWith("#version")) {
                continue;
            }
            if (line.isEmpty()) {
                continue;
            }
            try {
                merges.add(TokenizerJson.splitMerge(line, i + 1, vocab));
            } catch (TokenizerJson.FormatException e) {
                throw new IOException(file + ": line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return merges;
    }

    /**
     * The added tokens as transformers has them: added_tokens_decoder of tokenizer_config.json,
     * added_tokens.json, and the special tokens of the configs (special, at their vocabulary id,
     * or appended after the last id when the vocabulary lacks them).
     */
    private static List<AddedToken> addedTokens(Path dir, SpecialTokenConfig config, Map<String, Integer> vocab)
            throws IOException {
        Map<String, AddedToken> byContent = new LinkedHashMap<>();
        int next = 0;
        for (int id : vocab.values()) {
            next = Math.max(next, id + 1);
        }
        JsonNode decoder = config.tokenizerConfig == null ? null : config.tokenizerConfig.get("added_tokens_decoder");
        if (decoder != null && decoder.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = decoder.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                int id;
                try {
                    id = Integer.parseInt(e.getKey());
                } catch (NumberFormatException ex) {
                    throw new IOException(dir.resolve(SpecialTokenConfig.TOKENIZER_CONFIG)
                            + ": added_tokens_decoder key \"" + e.getKey() + "\" is not an id", ex);
                }
                AddedToken t = TokenizerJson.addedToken(id, e.getValue(), TokenizerJson.bool(e.getValue(), "special", false));
                byContent.put(t.content(), t);
                next = Math.max(next, id + 1);
            }
        }
        Path addedFile = dir.resolve("added_tokens.json");
        if (Files.isRegularFile(addedFile)) {
            JsonNode addedJson = TokenizerJson.readTree(addedFile);
            for (Iterator<Map.Entry<String, JsonNode>> it = addedJson.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                int id = e.getValue().asInt();
                byContent.putIfAbsent(e.getKey(), new AddedToken(id, e.getKey(), false, false, false, false, true));
                next = Math.max(next, id + 1);
            }
        }
        List<String> specials = new ArrayList<>();
        for (String key : List.of("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token")) {
            String t = config.token(key);
            if (t != null) {
                specials.add(t);
            }
        }
        specials.addAll(config.additionalSpecialTokens());
        Map<String, Integer> ids = new HashMap<>(vocab);
        for (String s : specials) {
            AddedToken known = byContent.get(s);
            if (known != null) {
                if (!known.special()) {
                    byContent.put(s, new AddedToken(known.id(), s, true, known.singleWord(),
                            known.lstrip(), known.rstrip(), known.normalized()));
                }
                continue;
            }
            Integer id = ids.get(s);
            if (id == null) {
                id = next++;
            }
            byContent.put(s, new AddedToken(id, s, true, false, false, false, false));
        }
        return new ArrayList<>(byContent.values());
    }

    /** GPT2Converter's TemplateProcessing when the config asks for BOS (and EOS). */
    private static PostProcessor postProcessor(SpecialTokenConfig config, Map<String, Integer> vocab,
            List<AddedToken> added) {
        boolean bos = config.flag("add_bos_token", false);
        boolean eos = config.flag("add_eos_token", false);
        if (!bos && !eos) {
            return new PostProcessor.Identity();
        }
        Map<String, Integer> ids = new HashMap<>(vocab);
        added.forEach(t -> ids.put(t.content(), t.id()));
        List<int[]> items = new ArrayList<>();
        Integer bosId = ids.get(config.token("bos_token"));
        Integer eosId = ids.get(config.token("eos_token"));
        if (bos && bosId != null) {
            items.add(new int[] {bosId});
        }
        items.add(null);
        if (eos && eosId != null) {
            items.add(new int[] {eosId});
        }
        return new PostProcessor.Template(items);
    }
}
