package dev.kiln.models.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.api.tokenizer.SpecialTokens;
import dev.kiln.api.tokenizer.StreamingDecoder;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.models.gguf.GgufFormat;
import dev.kiln.models.tokenizer.Fixtures.Case;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The vocabulary inside a GGUF file. The llama-2 fixture's must give the ids the Rust tokenizers
 * crate gives for the tokenizer transformers builds from it (goldens/llama-2-gguf.json, by
 * src/test/node/make-gguf-golden.mjs), and the ids of Llama-2's tokenizer.json on every text but
 * the seven where the two are known to differ. Byte-level vocabularies, converted here as
 * convert_hf_to_gguf writes them, must give their Hugging Face goldens.
 */
class GgufTokenizerTest {

    /**
     * The texts on which the GGUF vocabulary and llama-2/tokenizer.json differ, and why (see the
     * README): the first because that tokenizer.json has U+0020 where Meta's vocabulary, and the
     * GGUF file, have U+00A0; the others because transformers' GGUF tokenizer matches the special
     * tokens in the raw text (normalized: false), where that tokenizer.json matches them after
     * normalization, as "▁<s>" (normalized: true).
     */
    static final List<String> DIFFERENT_FROM_TOKENIZER_JSON = List.of(
            " \u00a0nbsp\u00a0here\u2003em space\u3000ideographic",
            "<s>Hello</s>",
            "Hello <s> world </s> again",
            "<s><s></s>",
            "text<s>",
            "a<s>b <s> x  <s>  ",
            "the <unk> token and <s");

    static GgufTokenizerFactory factory() {
        GgufTokenizerFactory factory = new GgufTokenizerFactory();
        factory.addFormat(new GgufFormat());
        return factory;
    }

    /** weights-gguf's copy of the fixture, read in place (provenance and license beside it). */
    static Path fixture() {
        Path gguf = Path.of("../weights-gguf/src/test/resources/fixtures/llama-2-tiny-random.gguf")
                .toAbsolutePath().normalize();
        if (!Files.isRegularFile(gguf)) {
            throw new IllegalStateException("missing fixture " + gguf);
        }
        return gguf;
    }

    @Test
    void llamaVocabularyGivesTheCratesIds() throws IOException {
        Tokenizer tokenizer = factory().load(fixture());
        List<String> failures = differences(tokenizer, Fixtures.goldens("llama-2-gguf"));
        assertTrue(failures.isEmpty(), failures.size() + " differences:\n" + String.join("\n", failures));
    }

    @Test
    void llamaVocabularyGivesTokenizerJsonsIdsButOnTheKnownTexts() throws IOException {
        Tokenizer tokenizer = factory().load(fixture());
        List<String> differing = new ArrayList<>();
        for (Case c : Fixtures.goldens("llama-2")) {
            if (!differences(tokenizer, List.of(c)).isEmpty()) {
                differing.add(c.text());
            }
        }
        assertEquals(DIFFERENT_FROM_TOKENIZER_JSON, differing);
        JsonNode golden = TokenizerJson.MAPPER.readTree(Fixtures.resource("goldens/llama-2-gguf.json").toFile());
        List<String> crate = new ArrayList<>();
        golden.get("differsFromLlama2").forEach(t -> crate.add(t.asText()));
        assertEquals(crate, differing, "the crate finds the same differences");
        // Meta's vocabulary, as phi-3-mini's tokenizer.json has it, agrees with the GGUF file.
        assertArrayEquals(new int[] {29871, 20246, 14239, 30081, 4150, 30363, 331, 2913, 30358, 680, 12122},
                tokenizer.encode(DIFFERENT_FROM_TOKENIZER_JSON.getFirst(), false));
    }

    /** The whole of War and Peace (3.2 MB, 859,224 tokens): the same ids as tokenizer.json. */
    @Test
    void warAndPeaceGivesTokenizerJsonsIds() throws IOException {
        Optional<Path> book = Fixtures.shared().map(s -> s.resolveSibling("../data/war-and-peace.txt").normalize())
                .filter(Files::isRegularFile);
        Assumptions.assumeTrue(book.isPresent(), "war-and-peace.txt not found, skipped");
        String text = Files.readString(book.get());
        int[] ids = factory().load(fixture()).encode(text, true);
        assertArrayEquals(Fixtures.load("llama-2").encode(text, true), ids);
    }

    @Test
    void streamedPiecesConcatenateToTheDecode() throws IOException {
        Tokenizer tokenizer = factory().load(fixture());
        for (Case c : Fixtures.goldens("llama-2-gguf")) {
            for (boolean skip : new boolean[] {false, true}) {
                StreamingDecoder stream = tokenizer.streamingDecoder(skip);
                StringBuilder text = new StringBuilder();
                for (int id : c.idsWithSpecial()) {
                    text.append(stream.push(id));
                }
                text.append(stream.flush());
                assertEquals(tokenizer.decode(c.idsWithSpecial(), skip), text.toString(), c.text());
            }
        }
    }

    @Test
    void specialTokensAndVocabulary() throws IOException {
        Tokenizer t = factory().load(fixture());
        SpecialTokens s = t.specialTokens();
        assertEquals(OptionalInt.of(1), s.bos());
        assertEquals(Set.of(2), s.eos());
        assertEquals(OptionalInt.of(0), s.unk());
        assertTrue(s.pad().isEmpty());
        assertEquals(32000, t.vocabSize());
        assertEquals(OptionalInt.of(15043), t.tokenId("\u2581Hello"));
        assertEquals(Optional.of("<0x0A>"), t.token(13));
        assertArrayEquals(new int[] {1, 15043}, t.encode("Hello", true));
        assertEquals("Hello", t.decode(new int[] {1, 15043, 2}, true));
    }

    @Test
    void recognisesGgufFilesThroughTheWeightFormat(@TempDir Path dir) throws IOException {
        GgufTokenizerFactory factory = factory();
        assertEquals("gguf", factory.name());
        assertTrue(factory.canLoad(fixture()));
        Path model = Files.createDirectory(dir.resolve("model"));
        Files.copy(fixture(), model.resolve("model.gguf"));
        assertTrue(factory.canLoad(model));
        assertArrayEquals(new int[] {1, 15043}, factory.load(model).encode("Hello", true));
        // Hugging Face's files win in a directory; two GGUF files are ambiguous.
        Files.writeString(model.resolve("tokenizer.json"), "{}");
        assertFalse(factory.canLoad(model));
        Files.delete(model.resolve("tokenizer.json"));
        Files.copy(fixture(), model.resolve("other.gguf"));
        assertFalse(factory.canLoad(model));
        Path fake = Files.writeString(dir.resolve("fake.gguf"), "not GGUF");
        assertFalse(factory.canLoad(fake));
        assertFalse(factory.canLoad(Fixtures.resource("fixtures/llama-2/tokenizer.json")));
        assertFalse(new HfTokenizerFactory().canLoad(fixture()));

        GgufTokenizerFactory withoutFormat = new GgufTokenizerFactory();
        assertFalse(withoutFormat.canLoad(fixture()));
        IOException e = assertThrows(IOException.class, () -> withoutFormat.load(fixture()));
        assertTrue(e.getMessage().contains("no weight format service can open it"), e.getMessage());
        IOException notGguf = assertThrows(IOException.class, () -> factory.load(dir.resolve("none.txt")));
        assertTrue(notGguf.getMessage().contains("not a .gguf file"), notGguf.getMessage());
    }

    /**
     * A byte-level vocabulary as convert_hf_to_gguf writes it from a Hugging Face tokenizer
     * (tokens by id; added special tokens as control, others as user-defined; merges as "a b";
     * tokenizer.ggml.pre naming the pre-tokenizer) gives the ids of that tokenizer.
     */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "qwen2", "llama-3"})
    void byteLevelVocabulariesGiveTheirHuggingFaceIds(String name) throws IOException {
        Tokenizer tokenizer = GgufTokenizers.build(GgufVocabulary.read(Path.of(name + ".gguf"),
                convertedMetadata(name)));
        List<String> failures = differences(tokenizer, Fixtures.goldens(name));
        assertTrue(failures.isEmpty(), name + ": " + failures.size() + " differences:\n"
                + String.join("\n", failures));
        if (name.equals("llama-3")) {
            assertEquals(OptionalInt.of(128000), tokenizer.specialTokens().bos());
            // <|end_of_text|>, and the end-of-turn tokens llama.cpp recognises by their text.
            assertEquals(Set.of(128001, 128008, 128009), tokenizer.specialTokens().eos());
        }
    }

    /** The metadata convert_hf_to_gguf writes for the fixture tokenizer {@code name}. */
    static Map<String, Object> convertedMetadata(String name) throws IOException {
        JsonNode json = TokenizerJson.MAPPER.readTree(tokenizerJson(name).toFile());
        Map<Integer, String> byId = new HashMap<>();
        Map<Integer, Integer> types = new HashMap<>();
        json.get("model").get("vocab").fields().forEachRemaining(e -> byId.put(e.getValue().asInt(), e.getKey()));
        for (JsonNode t : json.get("added_tokens")) {
            byId.put(t.get("id").asInt(), t.get("content").asText());
            types.put(t.get("id").asInt(), t.get("special").asBoolean() ? 3 : 4);
        }
        int size = byId.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        List<String> tokens = new ArrayList<>();
        List<Integer> tokenTypes = new ArrayList<>();
        for (int id = 0; id < size; id++) {
            tokens.add(byId.getOrDefault(id, "[PAD" + id + "]"));
            tokenTypes.add(types.getOrDefault(id, 1));
        }
        List<String> merges = new ArrayList<>();
        for (JsonNode m : json.get("model").get("merges")) {
            merges.add(m.isArray() ? m.get(0).asText() + " " + m.get(1).asText() : m.asText());
        }
        Map<String, Object> metadata = new HashMap<>();
        metadata.put("tokenizer.ggml.model", "gpt2");
        metadata.put("tokenizer.ggml.tokens", tokens);
        metadata.put("tokenizer.ggml.token_type", tokenTypes);
        metadata.put("tokenizer.ggml.merges", merges);
        switch (name) {
            case "gpt2" -> {
                metadata.put("tokenizer.ggml.pre", "gpt-2");
                metadata.put("tokenizer.ggml.bos_token_id", 50256L);
                metadata.put("tokenizer.ggml.eos_token_id", 50256L);
            }
            case "qwen2" -> {
                metadata.put("tokenizer.ggml.pre", "qwen2");
                metadata.put("tokenizer.ggml.eos_token_id", 151645L);
                metadata.put("tokenizer.ggml.add_bos_token", false);
            }
            default -> {
                metadata.put("tokenizer.ggml.pre", "llama-bpe");
                metadata.put("tokenizer.ggml.bos_token_id", 128000L);
                metadata.put("tokenizer.ggml.eos_token_id", 128001L);
                metadata.put("tokenizer.ggml.add_bos_token", true);
            }
        }
        return metadata;
    }

    /** The fixture's tokenizer.json, or the one the golden script built for it. */
    private static Path tokenizerJson(String name) throws IOException {
        if (name.equals("llama-3")) {
            return Fixtures.location(name).resolve("tokenizer.json");
        }
        Path dir = Fixtures.location(name);
        var merges = TokenizerJson.MAPPER.createArrayNode();
        for (String line : Files.readAllLines(dir.resolve("merges.txt"))) {
            if (!line.isEmpty() && !line.startsWith("#version")) {
                merges.add(line);
            }
        }
        JsonNode vocab = TokenizerJson.MAPPER.readTree(dir.resolve("vocab.json").toFile());
        return Fixtures.built(name, vocab, merges).resolve("tokenizer.json");
    }

    @Test
    void badVocabulariesNameTheKeyAndFile() {
        Map<String, Object> llama = new HashMap<>(Map.of("tokenizer.ggml.model", "llama",
                "tokenizer.ggml.tokens", List.of("<unk>", "a", "b", "ab"),
                "tokenizer.ggml.scores", List.of(0f, -1f, -2f, -3f),
                "tokenizer.ggml.add_bos_token", false));
        assertFails(Map.of(), "metadata key 'tokenizer.ggml.model' is missing (the file carries no vocabulary)");
        assertFails(with(llama, "tokenizer.ggml.model", "bert"),
                "'tokenizer.ggml.model' is 'bert'; llama (SentencePiece BPE) and gpt2 (byte-level BPE) are supported");
        assertFails(with(llama, "tokenizer.ggml.tokens", null), "'tokenizer.ggml.tokens' is missing");
        assertFails(with(llama, "tokenizer.ggml.scores", null), "'tokenizer.ggml.scores' is missing");
        assertFails(with(llama, "tokenizer.ggml.scores", List.of(0f)),
                "'tokenizer.ggml.scores' is an array of 1, not an array of 4 (one per token)");
        assertFails(with(llama, "tokenizer.ggml.bos_token_id", 7L),
                "'tokenizer.ggml.bos_token_id' is 7, not a token id below the vocabulary size 4");
        assertFails(with(llama, "tokenizer.ggml.add_bos_token", true),
                "'tokenizer.ggml.bos_token_id' is missing, and the tokenizer adds it (add_bos_token)");
        assertFails(with(llama, "tokenizer.ggml.add_eos_token", true),
                "'tokenizer.ggml.eos_token_id' is missing, and the tokenizer adds it (add_eos_token)");
        Map<String, Object> gpt2 = with(with(llama, "tokenizer.ggml.model", "gpt2"), "tokenizer.ggml.merges",
                List.of("a b"));
        assertFails(with(gpt2, "tokenizer.ggml.merges", null), "'tokenizer.ggml.merges' is missing");
        assertFails(with(gpt2, "tokenizer.ggml.merges", List.of("a c")),
                "'tokenizer.ggml.merges' does not fit the vocabulary: merge 1 needs \"c\"");
        assertFails(with(gpt2, "tokenizer.ggml.merges", List.of("ab")),
                "'tokenizer.ggml.merges' entry 0 'ab' is not two tokens split by a space");
        assertFails(with(gpt2, "tokenizer.ggml.pre", "falcon"),
                "'tokenizer.ggml.pre' is 'falcon'; supported: deepseek-r1-qwen, default, gpt-2, gpt2, "
                        + "llama-bpe, llama-v3, llama3, qwen2, smollm");
    }

    @Test
    void sentencePieceMergesRankByTheScoreOfWhatTheyMake() throws IOException {
        // "abc" can be cut two ways, ordered by their halves' scores (a -1 before ab -3); all
        // merges are then ordered by the made token's score: ab (-3), bc (-4), abc's (-5).
        List<String> tokens = List.of("<unk>", "a", "b", "c", "ab", "bc", "abc");
        float[] scores = {0, -1, -1, -1, -3, -4, -5};
        List<String> merges = SentencePieceMerges.fromScores(tokens, scores).stream()
                .map(m -> m[0] + " " + m[1]).toList();
        assertEquals(List.of("a b", "b c", "a bc", "ab c"), merges);
        Tokenizer t = GgufTokenizers.build(GgufVocabulary.read(Path.of("t.gguf"), Map.of(
                "tokenizer.ggml.model", "llama", "tokenizer.ggml.tokens", tokens,
                "tokenizer.ggml.scores", List.of(0f, -1f, -1f, -1f, -3f, -4f, -5f),
                "tokenizer.ggml.unknown_token_id", 0L, "tokenizer.ggml.add_space_prefix", false)));
        assertArrayEquals(new int[] {6, 0}, t.encode("abcx", false), "x is unknown");
        assertEquals("abc<unk>", t.decode(new int[] {6, 0}, false));
    }

    private static Map<String, Object> with(Map<String, Object> metadata, String key, Object value) {
        Map<String, Object> out = new HashMap<>(metadata);
        if (value == null) {
            out.remove(key);
        } else {
            out.put(key, value);
        }
        return out;
    }

    private static void assertFails(Map<String, Object> metadata, String fragment) {
        IOException e = assertThrows(IOException.class,
                () -> GgufTokenizers.build(GgufVocabulary.read(Path.of("dir/m.gguf"), metadata)));
        assertTrue(e.getMessage().startsWith(Path.of("dir/m.gguf") + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    /** Where {@code tokenizer} departs from the golden cases: ids, ids with specials, decodes. */
    static List<String> differences(Tokenizer tokenizer, List<Case> cases) {
        List<String> failures = new ArrayList<>();
        for (Case c : cases) {
            int[] ids = tokenizer.encode(c.text(), false);
            int[] withSpecial = tokenizer.encode(c.text(), true);
            String decoded = tokenizer.decode(c.idsWithSpecial(), false);
            String skipped = tokenizer.decode(c.idsWithSpecial(), true);
            if (!Arrays.equals(c.ids(), ids) || !Arrays.equals(c.idsWithSpecial(), withSpecial)
                    || !decoded.equals(c.decoded()) || !skipped.equals(c.decodedSkipSpecial())) {
                failures.add(GoldenTest.quote(c.text()) + "\n    expected " + Arrays.toString(c.ids())
                        + " " + Arrays.toString(c.idsWithSpecial()) + " " + GoldenTest.quote(c.decoded())
                        + " " + GoldenTest.quote(c.decodedSkipSpecial()) + "\n    actual   "
                        + Arrays.toString(ids) + " " + Arrays.toString(withSpecial) + " "
                        + GoldenTest.quote(decoded) + " " + GoldenTest.quote(skipped));
            }
        }
        return failures;
    }
}
