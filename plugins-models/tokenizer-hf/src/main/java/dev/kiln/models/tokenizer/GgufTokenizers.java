package dev.kiln.models.tokenizer;

import dev.kiln.api.tokenizer.SpecialTokens;
import dev.kiln.models.tokenizer.AddedVocabulary.AddedToken;
import dev.kiln.models.tokenizer.Splitting.Behavior;
import java.io.IOException;
import java.text.Normalizer.Form;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Builds the tokenizer of a GGUF vocabulary as transformers' GGUF converters build a tokenizers
 * object (integrations/ggml.py), so that it gives the ids of the Hugging Face tokenizer the file
 * was converted from:
 * <ul>
 *   <li>{@code llama} (SentencePiece BPE), as {@code GGUFLlamaConverter}: BPE over the tokens with
 *       merges made from the scores ({@link SentencePieceMerges}), byte fallback, {@code fuse_unk};
 *       the normalizer {@code Prepend("▁")} (when {@code add_space_prefix}, default true) and
 *       {@code Replace(" ", "▁")}; the decoder ByteFallback, Fuse, Replace("▁", " "), Strip.
 *   <li>{@code gpt2} (byte-level BPE), as {@code GGUFGPTConverter} and {@code GGUFQwen2Converter}:
 *       BPE over the tokens and {@code tokenizer.ggml.merges}, the ByteLevel decoder, and the
 *       pre-tokenizer that {@code tokenizer.ggml.pre} names, as llama.cpp reads that key.
 * </ul>
 * Both: control and unknown tokens (types 3 and 2) are special added tokens, user-defined ones
 * (type 4) added tokens that are not special, all matched in the raw text; BOS (and EOS) are added when
 * {@code add_bos_token} ({@code add_eos_token}) says so, by default as llama.cpp does: BOS for
 * {@code llama} and Llama-3's {@code llama-bpe}.
 */
final class GgufTokenizers {

    /** llama.cpp's Llama-3 pre-tokenizer regex, as Llama-3's tokenizer.json has it. */
    static final String LLAMA3_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
            + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** The pre-tokenizers by {@code tokenizer.ggml.pre}; see {@link #byteLevel}. */
    private static final Map<String, String> PRE_NAMES = Map.ofEntries(
            Map.entry("default", "gpt-2"), Map.entry("gpt-2", "gpt-2"), Map.entry("gpt2", "gpt-2"),
            Map.entry("llama3", "llama-bpe"), Map.entry("llama-v3", "llama-bpe"),
            Map.entry("llama-bpe", "llama-bpe"),
            Map.entry("qwen2", "qwen2"), Map.entry("deepseek-r1-qwen", "qwen2"),
            Map.entry("smollm", "smollm"));

    /** End-of-generation tokens llama.cpp recognises by their text (llama-vocab.cpp). */
    private static final Set<String> END_OF_GENERATION = Set.of("<|eot_id|>", "<|eom_id|>",
            "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<EOT>",
            "<\uff5cend\u2581of\u2581sentence\uff5c>");

    private GgufTokenizers() {}

    static HfTokenizer build(GgufVocabulary v) throws IOException {
        HfTokenizer tokenizer = switch (v.model()) {
            case "llama" -> sentencePiece(v);
            case "gpt2" -> byteLevel(v);
            default -> throw v.error("model", "is '" + v.model()
                    + "'; llama (SentencePiece BPE) and gpt2 (byte-level BPE) are supported");
        };
        tokenizer.specialTokens(specialTokens(v));
        return tokenizer;
    }

    private static HfTokenizer sentencePiece(GgufVocabulary v) throws IOException {
        if (v.scores() == null) {
            throw v.error("scores", "is missing: a llama vocabulary makes its merges from them");
        }
        Map<String, Integer> vocab = vocab(v);
        String unk = v.unk() == null ? null : v.tokens().get(v.unk());
        Bpe bpe = bpe(v, vocab, SentencePieceMerges.fromScores(v.tokens(), v.scores()), unk, true,
                true, false);
        List<Normalizer> normalizer = new ArrayList<>();
        if (v.addSpacePrefix()) {
            normalizer.add(new Normalizer.Prepend("\u2581"));
        }
        normalizer.add(new Normalizer.Replace(OnigRegex.literal(" "), "\u2581"));
        List<Decoder> decoder = new ArrayList<>(List.of(new Decoder.ByteFallback(), new Decoder.Fuse(),
                new Decoder.Replace(OnigRegex.literal("\u2581"), " ")));
        if (v.addSpacePrefix()) {
            decoder.add(new Decoder.Strip(' ', 1, 0));
        }
        return new HfTokenizer(vocab, bpe, addedTokens(v), new Normalizer.Sequence(normalizer), null,
                postProcessor(v, true), new Decoder.Sequence(decoder));
    }

    private static HfTokenizer byteLevel(GgufVocabulary v) throws IOException {
        if (v.merges() == null) {
            throw v.error("merges", "is missing: a gpt2 vocabulary needs its BPE merges");
        }
        String pre = PRE_NAMES.get(v.pre() == null ? "default" : v.pre());
        if (pre == null) {
            throw v.error("pre", "is '" + v.pre() + "'; supported: "
                    + String.join(", ", new TreeSet<>(PRE_NAMES.keySet())));
        }
        Map<String, Integer> vocab = vocab(v);
        List<String[]> merges = new ArrayList<>(v.merges().size());
        for (int i = 0; i < v.merges().size(); i++) {
            String merge = v.merges().get(i);
            // As llama.cpp: the first space after the first character separates the two.
            int space = merge.indexOf(' ', 1);
            if (space < 0) {
                throw v.error("merges", "entry " + i + " '" + merge + "' is not two tokens split by a space");
            }
            merges.add(new String[] {merge.substring(0, space), merge.substring(space + 1)});
        }
        boolean llama3 = pre.equals("llama-bpe");
        Bpe bpe = bpe(v, vocab, merges, null, false, false, llama3);
        Normalizer normalizer = pre.equals("qwen2") ? new Normalizer.Unicode(Form.NFC) : null;
        return new HfTokenizer(vocab, bpe, addedTokens(v), normalizer, preTokenizer(pre),
                postProcessor(v, llama3), new Decoder.ByteLevel());
    }

    /** The pre-tokenizer of the Hugging Face tokenizer.json of each family. */
    private static PreTokenizer preTokenizer(String pre) {
        return switch (pre) {
            case "llama-bpe" -> splitThenBytes(LLAMA3_PATTERN);
            case "qwen2" -> splitThenBytes(VocabMerges.QWEN2_PATTERN);
            case "smollm" -> new PreTokenizer.Sequence(List.of(PreTokenizer.digits(true),
                    new PreTokenizer.ByteLevel(false, true)));
            default -> new PreTokenizer.ByteLevel(false, true);
        };
    }

    private static PreTokenizer splitThenBytes(String pattern) {
        return new PreTokenizer.Sequence(List.of(
                PreTokenizer.SplitPattern.of(OnigRegex.compile(pattern), Behavior.ISOLATED, false),
                new PreTokenizer.ByteLevel(false, false)));
    }

    /** Token to id; a repeated token keeps its last id, as transformers' dict does. */
    private static Map<String, Integer> vocab(GgufVocabulary v) {
        Map<String, Integer> vocab = new HashMap<>(v.size() * 2);
        for (int i = 0; i < v.size(); i++) {
            vocab.put(v.tokens().get(i), i);
        }
        return vocab;
    }

    private static Bpe bpe(GgufVocabulary v, Map<String, Integer> vocab, List<String[]> merges,
            String unk, boolean fuseUnk, boolean byteFallback, boolean ignoreMerges)
            throws IOException {
        try {
            return new Bpe(vocab, merges, unk, fuseUnk, byteFallback, ignoreMerges, null, null);
        } catch (IllegalArgumentException e) {
            throw v.error("merges", "does not fit the vocabulary: " + e.getMessage());
        }
    }

    /**
     * The tokens matched in the raw text before the model sees it, as llama.cpp matches them
     * (control, unknown and user-defined tokens) and as the tokenizer transformers ends up with:
     * its GGUF converter adds the control tokens as special, and LlamaTokenizerFast adds its unk
     * token to them. User-defined tokens are not special. Without token types, as transformers:
     * the unknown, BOS and EOS tokens.
     */
    private static List<AddedToken> addedTokens(GgufVocabulary v) {
        List<AddedToken> added = new ArrayList<>();
        if (v.types() == null) {
            Set<Integer> specials = new LinkedHashSet<>();
            for (Integer id : new Integer[] {v.unk(), v.bos(), v.eos()}) {
                if (id != null) {
                    specials.add(id);
                }
            }
            specials.forEach(id -> added.add(addedToken(v, id, true)));
            return added;
        }
        for (int id = 0; id < v.size(); id++) {
            switch (v.type(id)) {
                case GgufVocabulary.TYPE_CONTROL, GgufVocabulary.TYPE_UNKNOWN ->
                        added.add(addedToken(v, id, true));
                case GgufVocabulary.TYPE_USER_DEFINED -> added.add(addedToken(v, id, false));
                default -> { }
            }
        }
        return added;
    }

    private static AddedToken addedToken(GgufVocabulary v, int id, boolean special) {
        return new AddedToken(id, v.tokens().get(id), special, false, false, false, false);
    }

    /**
     * BOS and EOS around a sequence, as add_bos_token and add_eos_token say; without
     * add_bos_token, BOS when {@code bosByDefault} and the file names one.
     */
    private static PostProcessor postProcessor(GgufVocabulary v, boolean bosByDefault)
            throws IOException {
        boolean bos = v.addBos() == null ? bosByDefault && v.bos() != null : v.addBos();
        boolean eos = v.addEos() != null && v.addEos();
        List<int[]> items = new ArrayList<>();
        if (bos) {
            items.add(new int[] {require(v, v.bos(), "bos_token_id", "add_bos_token")});
        }
        items.add(null);
        if (eos) {
            items.add(new int[] {require(v, v.eos(), "eos_token_id", "add_eos_token")});
        }
        return items.size() == 1 ? new PostProcessor.Identity() : new PostProcessor.Template(items);
    }

    private static int require(GgufVocabulary v, Integer id, String key, String because)
            throws IOException {
        if (id == null) {
            throw v.error(key, "is missing, and the tokenizer adds it (" + because + ")");
        }
        return id;
    }

    /**
     * BOS, PAD and UNK from their keys; EOS is every token that ends generation for llama.cpp:
     * {@code eos_token_id}, {@code eot_token_id}, {@code eom_token_id}, and the control tokens
     * with a well-known end text ({@code <|eot_id|>}, {@code <|im_end|>}, ...).
     */
    private static SpecialTokens specialTokens(GgufVocabulary v) {
        Set<Integer> eos = new LinkedHashSet<>();
        for (Integer id : new Integer[] {v.eos(), v.eot(), v.eom()}) {
            if (id != null) {
                eos.add(id);
            }
        }
        for (int id = 0; id < v.size(); id++) {
            if (v.type(id) == GgufVocabulary.TYPE_CONTROL
                    && END_OF_GENERATION.contains(v.tokens().get(id))) {
                eos.add(id);
            }
        }
        return new SpecialTokens(v.bos(), eos, v.pad(), v.unk());
    }
}
