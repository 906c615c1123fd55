package dev.kiln.models.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.api.tokenizer.TokenizerTrainingOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The trainer against the tokenizers crate (goldens/bpe-trainer.json, written by
 * src/test/node/make-trainer-goldens.mjs): with the crate's default settings, exactly its
 * vocabulary and merges; with Kiln's settings, the first of them; and the tokenizer it writes,
 * which both Hugging Face libraries load and encode as Kiln does (goldens/trained-bpe.json).
 */
class BpeTrainerGoldenTest {

    static final Path CORPUS = Fixtures.resource("trainer/war-and-peace-1-5.txt");

    /** The settings BpeTrainerGoldenTest trains goldens/trained-bpe/ with; the quickstart's, on a smaller corpus. */
    static final TokenizerTrainingOptions KILN_SETTINGS = TokenizerTrainingOptions.builder(1000)
            .minFrequency(2)
            .specialTokens(List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>"))
            .bosToken("<|endoftext|>").eosToken("<|endoftext|>").padToken("<|endoftext|>")
            .chatTemplate("{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n'"
                    + " + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}"
                    + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")
            .modelMaxLength(512)
            .build();

    @TempDir
    Path dir;

    static JsonNode goldens() {
        try {
            return TokenizerJson.MAPPER.readTree(Fixtures.resource("goldens/bpe-trainer.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> caseNames() {
        List<String> names = new ArrayList<>();
        goldens().get("cases").forEach(c -> names.add(c.get("name").asText()));
        return names;
    }

    private static JsonNode goldenCase(String name) {
        for (JsonNode c : goldens().get("cases")) {
            if (c.get("name").asText().equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException(name);
    }

    private static Map<String, Long> wordCounts(JsonNode c) throws IOException {
        WordCounter counter = new WordCounter(null, TokenizerJson.preTokenizer(ByteLevelBpeFiles.preTokenizer()));
        if (c.has("file")) {
            counter.addFile(Fixtures.resource(c.get("file").asText()));
        } else {
            counter.addLines(c.get("text").asText());
        }
        return counter.counts();
    }

    private static List<String> strings(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }

    private static List<String> merges(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(m -> m.get(0).asText() + " " + m.get(1).asText())
                .toList();
    }

    private static List<String> merges(BpeTrainer.Result result) {
        return result.merges().stream().map(m -> m[0] + " " + m[1]).toList();
    }

    @Test
    void theGoldensWereMadeWithThePreTokenizerTheTrainerWrites() {
        assertEquals(goldens().get("pre_tokenizer"), ByteLevelBpeFiles.preTokenizer());
    }

    @ParameterizedTest
    @MethodSource("caseNames")
    void withTheCratesDefaultSettingsTheVocabularyAndMergesAreTheCrates(String name) throws IOException {
        JsonNode c = goldenCase(name);
        BpeTrainer.Result r = new BpeTrainer(30000, 0, List.of(), new TreeSet<>()).train(wordCounts(c));
        assertEquals(strings(c.get("vocab")), r.vocab(), name + ": vocabulary");
        assertEquals(merges(c.get("merges")), merges(r), name + ": merges");
    }

    /**
     * Special tokens and the byte alphabet shift every id alike, keeping the order of the pairs,
     * and the vocabulary size only stops training: Kiln's merges are the crate's first ones.
     */
    @Test
    void withKilnsSettingsTheMergesAreTheFirstOfTheCrates() throws IOException {
        JsonNode c = goldenCase("war-and-peace-1-5");
        BpeTrainer.Result r = new BpeTrainer(1000, 0, KILN_SETTINGS.specialTokens(),
                BpeTokenizerTrainer.byteAlphabet()).train(wordCounts(c));
        assertEquals(1000, r.vocab().size());
        assertEquals(List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>", "!"), r.vocab().subList(0, 4));
        int merged = 1000 - 3 - 256;
        assertEquals(merges(c.get("merges")).subList(0, merged), merges(r));
        assertEquals(strings(c.get("vocab")).subList(c.get("vocab").size() - c.get("merges").size(),
                c.get("vocab").size() - c.get("merges").size() + merged), r.vocab().subList(259, 1000),
                "the merged tokens, in the crate's order");
    }

    /** Training stops only when no pair of the words, as the trained tokenizer cuts them, is frequent enough. */
    @Test
    void minFrequencyStopsWhenNoPairIsSeenOftenEnough() throws IOException {
        Map<String, Long> words = wordCounts(goldenCase("war-and-peace-1-5"));
        BpeTrainer.Result r = new BpeTrainer(30000, 20, List.of(), BpeTokenizerTrainer.byteAlphabet()).train(words);
        Tokenizer tokenizer = write(r);
        Map<Long, Long> pairs = new java.util.HashMap<>();
        words.forEach((word, count) -> {
            IntList symbols = new IntList();
            ((HfTokenizer) tokenizer).model().tokenize(word, symbols);
            int[] ids = symbols.toArray();
            for (int i = 0; i + 1 < ids.length; i++) {
                pairs.merge(TrainingWord.pair(ids[i], ids[i + 1]), count, Long::sum);
            }
        });
        long most = pairs.values().stream().mapToLong(Long::longValue).max().orElse(0);
        assertTrue(most < 20, "a pair is seen " + most + " times");
        assertTrue(r.merges().size() > 100 && r.merges().size() < 4354, r.merges().size() + " merges");
    }

    private Tokenizer write(BpeTrainer.Result r) throws IOException {
        Path out = dir.resolve("min-frequency");
        ByteLevelBpeFiles.write(out, ByteLevelBpeFiles.tokenizerJson(r, List.of()),
                TokenizerJson.MAPPER.createObjectNode());
        return new HfTokenizerFactory().load(out);
    }

    /**
     * The committed goldens/trained-bpe/ is what the trainer writes now (so the ids the
     * libraries gave for it are the ids of Kiln's output). {@code -Dkiln.regenerate=true} writes
     * it instead; then run make-trainer-goldens.mjs.
     */
    @Test
    void theTrainerWritesTheCommittedTokenizer() throws IOException {
        Path out = dir.resolve("trained");
        new BpeTokenizerTrainer().train(List.of(CORPUS), KILN_SETTINGS, out);
        if (Boolean.getBoolean("kiln.regenerate")) {
            Path source = Path.of("src/test/resources/goldens/trained-bpe");
            Files.createDirectories(source);
            for (String file : List.of("tokenizer.json", "tokenizer_config.json")) {
                Files.copy(out.resolve(file), source.resolve(file), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            return;
        }
        Path committed = Fixtures.resource("goldens/trained-bpe");
        for (String file : List.of("tokenizer.json", "tokenizer_config.json")) {
            assertEquals(Files.readString(committed.resolve(file), StandardCharsets.UTF_8),
                    Files.readString(out.resolve(file), StandardCharsets.UTF_8), file);
        }
    }

    @Test
    void bothHuggingFaceLibrariesEncodeTheTrainedTokenizerAsKilnDoes() throws IOException {
        JsonNode header = TokenizerJson.MAPPER.readTree(Fixtures.resource("goldens/trained-bpe.json").toFile());
        assertEquals("loaded", header.get("rust").asText());
        assertTrue(header.get("js").asText().contains("disagrees with rust on 0 of"), header.get("js").asText());
        Tokenizer tokenizer = new HfTokenizerFactory().load(Fixtures.resource("goldens/trained-bpe"));
        List<Fixtures.Case> cases = Fixtures.goldens("trained-bpe");
        assertTrue(cases.size() > 90, cases.size() + " texts");
        for (Fixtures.Case c : cases) {
            String text = GoldenTest.quote(c.text());
            assertArrayEquals(c.ids(), tokenizer.encode(c.text(), false), text);
            assertArrayEquals(c.idsWithSpecial(), tokenizer.encode(c.text(), true), text);
            assertEquals(c.decoded(), tokenizer.decode(c.idsWithSpecial(), false), text);
            assertEquals(c.decodedSkipSpecial(), tokenizer.decode(c.idsWithSpecial(), true), text);
        }
    }
}
