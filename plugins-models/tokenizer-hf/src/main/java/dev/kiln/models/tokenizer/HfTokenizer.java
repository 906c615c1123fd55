package dev.kiln.models.tokenizer;

import dev.kiln.api.tokenizer.SpecialTokens;
import dev.kiln.api.tokenizer.StreamingDecoder;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.models.tokenizer.AddedVocabulary.AddedToken;
import dev.kiln.models.tokenizer.AddedVocabulary.Piece;
import dev.kiln.models.tokenizer.Splitting.Split;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A Hugging Face tokenizer: added tokens, normalizer, pre-tokenizer, BPE model, post-processor
 * and decoder, run as the tokenizers crate runs them. Immutable and thread-safe.
 */
final class HfTokenizer implements Tokenizer {

    private final Map<String, Integer> vocab;
    private final String[] tokens;
    private final boolean[] special;
    private final Map<String, Integer> added;
    private final AddedVocabulary addedVocabulary;
    private final Normalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final Bpe model;
    private final PostProcessor postProcessor;
    private final Decoder decoder;
    private volatile SpecialTokens specialTokens;

    HfTokenizer(Map<String, Integer> vocab, Bpe model, List<AddedToken> addedTokens,
            Normalizer normalizer, PreTokenizer preTokenizer, PostProcessor postProcessor,
            Decoder decoder) {
        this.vocab = vocab;
        this.model = model;
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.postProcessor = postProcessor;
        this.decoder = decoder;
        int size = 0;
        for (int id : vocab.values()) {
            size = Math.max(size, id + 1);
        }
        for (AddedToken t : addedTokens) {
            size = Math.max(size, t.id() + 1);
        }
        tokens = new String[size];
        vocab.forEach((token, id) -> tokens[id] = token);
        special = new boolean[size];
        added = new HashMap<>();
        // Special tokens first, as the crate orders them for matching.
        List<AddedToken> ordered = new ArrayList<>(addedTokens.size());
        addedTokens.stream().filter(AddedToken::special).forEach(ordered::add);
        addedTokens.stream().filter(t -> !t.special()).forEach(ordered::add);
        for (AddedToken t : ordered) {
            tokens[t.id()] = t.content();
            special[t.id()] = t.special();
            added.putIfAbsent(t.content(), t.id());
        }
        addedVocabulary = new AddedVocabulary(ordered, normalizer);
        specialTokens = new SpecialTokens(null, java.util.Set.of(), null, null);
    }

    void specialTokens(SpecialTokens specialTokens) {
        this.specialTokens = specialTokens;
    }

    Bpe model() {
        return model;
    }

    PostProcessor postProcessor() {
        return postProcessor;
    }

    List<AddedToken> addedTokens() {
        return addedVocabulary.tokens();
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        IntList ids = new IntList(text.length() / 3 + 4);
        for (Piece piece : addedVocabulary.extractAndNormalize(text, normalizer)) {
            if (piece.id() >= 0) {
                ids.add(piece.id());
                continue;
            }
            List<Split> words = List.of(new Split(piece.text(), piece.atStart()));
            if (preTokenizer != null) {
                words = preTokenizer.preTokenize(words);
            }
            for (Split word : words) {
                model.tokenize(word.text(), ids);
            }
        }
        int[] out = ids.toArray();
        return postProcessor == null ? out : postProcessor.process(out, addSpecialTokens);
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        return decode(tokenStrings(ids, 0, ids.length, skipSpecialTokens), null);
    }

    /** Decodes {@code ids[from, to)}; with a tail, a character still arriving is held back. */
    String decode(IntList ids, int from, int to, boolean skipSpecialTokens, Decoder.Tail tail) {
        int[] slice = new int[to - from];
        for (int i = from; i < to; i++) {
            slice[i - from] = ids.get(i);
        }
        return decode(tokenStrings(slice, 0, slice.length, skipSpecialTokens), tail);
    }

    private String decode(List<String> strings, Decoder.Tail tail) {
        if (decoder == null) {
            return String.join(" ", strings);
        }
        return String.join("", decoder.decodeChain(strings, tail));
    }

    /** The token strings of the ids; unknown ids are left out, as the crate does. */
    private List<String> tokenStrings(int[] ids, int from, int to, boolean skipSpecialTokens) {
        List<String> out = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            int id = ids[i];
            if (id < 0 || id >= tokens.length || tokens[id] == null) {
                continue;
            }
            if (skipSpecialTokens && special[id]) {
                continue;
            }
            out.add(tokens[id]);
        }
        return out;
    }

    @Override
    public StreamingDecoder streamingDecoder(boolean skipSpecialTokens) {
        return new HfStreamingDecoder(this, skipSpecialTokens);
    }

    @Override
    public int vocabSize() {
        return tokens.length;
    }

    @Override
    public OptionalInt tokenId(String token) {
        Integer id = added.get(token);
        if (id == null) {
            id = vocab.get(token);
        }
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public Optional<String> token(int id) {
        return id >= 0 && id < tokens.length ? Optional.ofNullable(tokens[id]) : Optional.empty();
    }

    @Override
    public SpecialTokens specialTokens() {
        return specialTokens;
    }
}
