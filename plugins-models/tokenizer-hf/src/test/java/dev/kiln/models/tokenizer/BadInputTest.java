package dev.kiln.models.tokenizer;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files this module cannot read give an IOException naming the file and what is wrong. */
class BadInputTest {

    @TempDir
    Path dir;

    private final HfTokenizerFactory factory = new HfTokenizerFactory();

    private static final String VALID = """
            {"version": "1.0", "added_tokens": [], "normalizer": null, "pre_tokenizer": %s,
             "post_processor": null, "decoder": %s,
             "model": {"type": "%s", "vocab": {"a": 0, "b": 1, "ab": 2, "[UNK]": 3}, "merges": %s,
                       "unk_token": "[UNK]"}}
            """;

    private Path tokenizerJson(String preTokenizer, String decoder, String type, String merges) throws IOException {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, VALID.formatted(preTokenizer, decoder, type, merges));
        return file;
    }

    private IOException failure(Path location) {
        return assertThrows(IOException.class, () -> factory.load(location));
    }

    private static void assertMentions(IOException e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "\"" + e.getMessage() + "\" should mention " + part);
        }
    }

    @Test
    void aValidMinimalFileLoads() throws IOException {
        var tokenizer = factory.load(tokenizerJson("null", "null", "BPE", "[\"a b\"]"));
        assertTrue(java.util.Arrays.equals(new int[] {2, 3}, tokenizer.encode("abc", false)));
    }

    @Test
    void malformedJson() throws IOException {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, "{\"version\": \"1.0\", \"model\": {\"type\": \"BPE\", ");
        assertMentions(failure(file), file.toString(), "not valid JSON");
        assertMentions(failure(dir), file.toString(), "not valid JSON");
    }

    @Test
    void notATokenizerJson() throws IOException {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, "[1, 2, 3]");
        assertMentions(failure(file), file.toString(), "not a tokenizer.json");
    }

    @Test
    void wordPieceModelIsUnsupported() throws IOException {
        Path file = tokenizerJson("null", "null", "WordPiece", "[]");
        assertMentions(failure(file), file.toString(), "model type \"WordPiece\" is not supported");
    }

    @Test
    void unigramModelIsUnsupported() throws IOException {
        Path file = tokenizerJson("null", "null", "Unigram", "[]");
        assertMentions(failure(file), file.toString(), "\"Unigram\"");
    }

    @Test
    void unsupportedPreTokenizerDecoderAndNormalizer() throws IOException {
        Path file = tokenizerJson("{\"type\": \"BertPreTokenizer\"}", "null", "BPE", "[]");
        assertMentions(failure(file), file.toString(), "pre_tokenizer type \"BertPreTokenizer\" is not supported");
        file = tokenizerJson("null", "{\"type\": \"WordPiece\", \"prefix\": \"##\"}", "BPE", "[]");
        assertMentions(failure(file), file.toString(), "decoder type \"WordPiece\" is not supported");
        Files.writeString(file, Files.readString(file).replace("\"normalizer\": null",
                "\"normalizer\": {\"type\": \"Precompiled\", \"precompiled_charsmap\": \"\"}"));
        assertMentions(failure(file), file.toString(), "normalizer type \"Precompiled\" is not supported");
    }

    @Test
    void regexJavaCannotRun() throws IOException {
        Path file = tokenizerJson("{\"type\": \"Split\", \"pattern\": {\"Regex\": \"a\\\\Kb\"}, \"behavior\": \"Isolated\"}",
                "null", "BPE", "[]");
        assertMentions(failure(file), file.toString(), "\\K is not supported");
    }

    @Test
    void mergeOutsideTheVocabulary() throws IOException {
        Path file = tokenizerJson("null", "null", "BPE", "[\"a c\"]");
        assertMentions(failure(file), file.toString(), "merge 1", "\"c\"", "not in the vocabulary");
        file = tokenizerJson("null", "null", "BPE", "[\"abc\"]");
        assertMentions(failure(file), file.toString(), "merge 1 \"abc\" is not two tokens");
    }

    @Test
    void missingMergesFile() throws IOException {
        Path vocab = dir.resolve("vocab.json");
        Files.writeString(vocab, "{\"a\": 0, \"b\": 1}");
        assertFalse(factory.canLoad(dir));
        assertMentions(failure(dir), dir.resolve("merges.txt").toString(), "missing");
        assertMentions(failure(vocab), dir.resolve("merges.txt").toString(), "missing");
    }

    @Test
    void badMergesLine() throws IOException {
        Files.writeString(dir.resolve("vocab.json"), "{\"a\": 0, \"b\": 1, \"ab\": 2}");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\na b\nab\n");
        assertMentions(failure(dir), dir.resolve("merges.txt").toString(), "line 3", "\"ab\"");
    }

    @Test
    void malformedVocabJson() throws IOException {
        Files.writeString(dir.resolve("vocab.json"), "{\"a\": 0, ");
        Files.writeString(dir.resolve("merges.txt"), "");
        assertMentions(failure(dir), dir.resolve("vocab.json").toString(), "not valid JSON");
        Files.writeString(dir.resolve("vocab.json"), "{\"a\": \"zero\"}");
        assertMentions(failure(dir), dir.resolve("vocab.json").toString(), "\"a\"");
    }

    @Test
    void unknownTokenizerClassForVocabAndMerges() throws IOException {
        Files.writeString(dir.resolve("vocab.json"), "{\"a\": 0}");
        Files.writeString(dir.resolve("merges.txt"), "");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"tokenizer_class\": \"BertTokenizer\"}");
        assertMentions(failure(dir), dir.resolve("tokenizer_config.json").toString(), "\"BertTokenizer\" is not supported");
    }

    @Test
    void malformedConfigBesideTokenizerJson() throws IOException {
        tokenizerJson("null", "null", "BPE", "[]");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{,}");
        assertMentions(failure(dir), dir.resolve("tokenizer_config.json").toString(), "not valid JSON");
    }

    @Test
    void nothingToLoad() {
        assertFalse(factory.canLoad(dir));
        assertMentions(failure(dir), dir.toString(), "no tokenizer.json");
        assertMentions(failure(dir.resolve("tokenizer.json")), "tokenizer.json", "missing");
    }
}
