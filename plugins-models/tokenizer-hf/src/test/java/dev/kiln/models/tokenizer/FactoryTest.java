package dev.kiln.models.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.tokenizer.SpecialTokens;
import dev.kiln.api.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FactoryTest {

    private final HfTokenizerFactory factory = new HfTokenizerFactory();

    @Test
    void recognisesDirectoriesAndFiles(@TempDir Path empty) {
        Path llama = Fixtures.resource("fixtures/llama-2");
        Path gpt2 = Fixtures.resource("fixtures/gpt2");
        assertTrue(factory.canLoad(llama));
        assertTrue(factory.canLoad(llama.resolve("tokenizer.json")));
        assertTrue(factory.canLoad(gpt2));
        assertTrue(factory.canLoad(gpt2.resolve("vocab.json")));
        assertTrue(factory.canLoad(gpt2.resolve("merges.txt")));
        assertFalse(factory.canLoad(gpt2.resolve("tokenizer_config.json")));
        assertFalse(factory.canLoad(empty));
        assertFalse(factory.canLoad(empty.resolve("nothing")));
        assertEquals("tokenizer.json", factory.name());
    }

    @Test
    void loadsAFileAsItsDirectory() throws IOException {
        Tokenizer a = factory.load(Fixtures.resource("fixtures/gpt2/merges.txt"));
        Tokenizer b = Fixtures.load("gpt2");
        assertArrayEquals(b.encode("Hello world", true), a.encode("Hello world", true));
    }

    @Test
    void llama2SpecialTokensAndVocabulary() {
        Tokenizer t = Fixtures.load("llama-2");
        SpecialTokens s = t.specialTokens();
        assertEquals(OptionalInt.of(1), s.bos());
        assertEquals(Set.of(2), s.eos());
        assertEquals(OptionalInt.of(0), s.unk());
        assertTrue(s.pad().isEmpty());
        assertEquals(32000, t.vocabSize());
        assertEquals(OptionalInt.of(15043), t.tokenId("▁Hello"));
        assertEquals(Optional.of("<0x0A>"), t.token(13));
        assertEquals(Optional.empty(), t.token(32000));
        assertEquals(Optional.empty(), t.token(-1));
        assertArrayEquals(new int[] {1, 15043}, t.encode("Hello", true));
        assertArrayEquals(new int[] {15043}, t.encode("Hello", false));
    }

    @Test
    void gpt2SpecialTokensAndVocabulary() {
        Tokenizer t = Fixtures.load("gpt2");
        SpecialTokens s = t.specialTokens();
        assertEquals(OptionalInt.of(50256), s.bos());
        assertEquals(Set.of(50256), s.eos());
        assertEquals(OptionalInt.of(50256), s.unk());
        assertEquals(50257, t.vocabSize());
        assertEquals(OptionalInt.of(50256), t.tokenId("<|endoftext|>"));
        // GPT-2 adds no BOS: add_bos_token is not set.
        assertArrayEquals(t.encode("Hello", false), t.encode("Hello", true));
        assertEquals("Hello", t.decode(new int[] {15496, 50256}, true));
        assertEquals("Hello<|endoftext|>", t.decode(new int[] {15496, 50256}, false));
    }

    @Test
    void smollmSpecialTokensAndVocabulary() {
        Tokenizer t = Fixtures.load("smollm");
        SpecialTokens s = t.specialTokens();
        assertEquals(OptionalInt.of(0), s.bos());
        assertEquals(Set.of(0), s.eos());
        assertEquals(OptionalInt.of(49152), s.pad());
        assertEquals(49153, t.vocabSize());
        assertEquals(Optional.of("[PAD]"), t.token(49152));
        assertEquals(OptionalInt.of(1), t.tokenId("<|im_start|>"));
    }

    @Test
    void qwen2FromVocabAndMerges() {
        Tokenizer t = Fixtures.load("qwen2");
        SpecialTokens s = t.specialTokens();
        assertTrue(s.bos().isEmpty());
        assertEquals(Set.of(151645), s.eos());
        assertEquals(OptionalInt.of(151643), s.pad());
        assertEquals(151665, t.vocabSize());
        // <tool_call> is an added token but not special: kept when special tokens are skipped.
        int[] ids = t.encode("<tool_call>x<|im_end|>", false);
        assertEquals("<tool_call>x", t.decode(ids, true));
    }

    @Test
    void llama3WithoutConfigsFindsItsSpecialTokens() {
        Tokenizer t = Fixtures.load("llama-3");
        SpecialTokens s = t.specialTokens();
        assertEquals(OptionalInt.of(128000), s.bos());
        assertEquals(Set.of(128001, 128009), s.eos());
        assertEquals(128256, t.vocabSize());
    }

    @Test
    void generationConfigAddsEndTokens(@TempDir Path dir) throws IOException {
        Path llama = Fixtures.resource("fixtures/llama-2");
        for (String f : new String[] {"tokenizer.json", "tokenizer_config.json"}) {
            Files.copy(llama.resolve(f), dir.resolve(f));
        }
        Files.writeString(dir.resolve("generation_config.json"), "{\"bos_token_id\": 1, \"eos_token_id\": [2, 13]}");
        assertEquals(Set.of(2, 13), factory.load(dir).specialTokens().eos());
    }

    /** vocab.json + merges.txt load as the tokenizer.json transformers' GPT2Converter builds. */
    @Test
    void gpt2DirectoryEqualsTheConvertedTokenizerJson() throws IOException {
        Path dir = Fixtures.resource("fixtures/gpt2");
        var merges = TokenizerJson.MAPPER.createArrayNode();
        Files.readAllLines(dir.resolve("merges.txt")).stream()
                .filter(l -> !l.isEmpty() && !l.startsWith("#version")).forEach(merges::add);
        Tokenizer converted = factory.load(Fixtures.built("gpt2",
                TokenizerJson.MAPPER.readTree(dir.resolve("vocab.json").toFile()), merges));
        Tokenizer direct = Fixtures.load("gpt2");
        for (var c : Fixtures.goldens("gpt2")) {
            assertArrayEquals(direct.encode(c.text(), true), converted.encode(c.text(), true), c.text());
        }
    }
}
