package dev.kiln.models.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.api.tokenizer.SpecialTokens;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.api.tokenizer.TokenizerTrainingOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TokenizerTrainer service: what it writes, how the result loads and encodes, and bad input. */
class BpeTokenizerTrainerTest {

    @TempDir
    Path dir;

    private Tokenizer trainOnCorpus() throws IOException {
        return new BpeTokenizerTrainer().train(List.of(BpeTrainerGoldenTest.CORPUS),
                BpeTrainerGoldenTest.KILN_SETTINGS, dir.resolve("tok"));
    }

    @Test
    void theTrainedTokenizerLoadsWithItsSpecialTokensAndChatTemplate() throws IOException {
        Tokenizer trained = trainOnCorpus();
        assertEquals(1000, trained.vocabSize());
        assertTrue(new HfTokenizerFactory().canLoad(dir.resolve("tok")));
        assertEquals(0, trained.tokenId("<|endoftext|>").getAsInt());
        assertEquals(1, trained.tokenId("<|im_start|>").getAsInt());
        assertEquals(2, trained.tokenId("<|im_end|>").getAsInt());
        SpecialTokens special = trained.specialTokens();
        assertEquals(0, special.bos().getAsInt());
        assertEquals(Set.of(0), special.eos());
        assertEquals(0, special.pad().getAsInt());
        JsonNode config = TokenizerJson.readTree(dir.resolve("tok/tokenizer_config.json"));
        assertEquals(BpeTrainerGoldenTest.KILN_SETTINGS.chatTemplate().orElseThrow(), config.get("chat_template").asText());
        assertEquals(512, config.get("model_max_length").asInt());
        assertEquals("PreTrainedTokenizerFast", config.get("tokenizer_class").asText());
        assertEquals("<|im_end|>", config.get("added_tokens_decoder").get("2").get("content").asText());
        assertFalse(Files.exists(dir.resolve("tok/tokenizer.json.tmp")));
    }

    @Test
    void textRoundTripsAndFrequentWordsAreSingleTokens() throws IOException {
        Tokenizer trained = trainOnCorpus();
        for (String text : List.of("Prince Vasili said, \"Anna Pavlovna!\"\n\n",
                "Unseen: 日本語, emoji 😀🎉, tabs\tand   spaces, 12345, ÿ\u0000",
                "<|im_start|>user\nwho are you?<|im_end|>\n<|im_start|>assistant\n")) {
            int[] ids = trained.encode(text, false);
            assertEquals(text, trained.decode(ids, false), text);
        }
        assertEquals(1, trained.encode(" Prince", false).length, "a word of the corpus");
        assertEquals(3, trained.encode("<|im_start|><|im_end|><|endoftext|>", false).length);
        int[] chat = trained.encode("<|im_start|>user", false);
        assertEquals(1, chat[0], "special tokens are matched in text");
        assertEquals("user", trained.decode(chat, true));
    }

    @Test
    void aSecondTrainingReplacesTheFiles() throws IOException {
        trainOnCorpus();
        Tokenizer smaller = new BpeTokenizerTrainer().train(List.of(BpeTrainerGoldenTest.CORPUS),
                TokenizerTrainingOptions.builder(300).build(), dir.resolve("tok"));
        assertEquals(300, smaller.vocabSize());
        assertEquals(300, new HfTokenizerFactory().load(dir.resolve("tok")).vocabSize());
    }

    @Test
    void badInputIsNamed() throws IOException {
        BpeTokenizerTrainer trainer = new BpeTokenizerTrainer();
        TokenizerTrainingOptions options = TokenizerTrainingOptions.builder(500).build();
        Path missing = dir.resolve("missing.txt");
        var noFile = assertThrows(IOException.class, () -> trainer.train(List.of(missing), options, dir.resolve("a")));
        assertEquals(missing + ": missing", noFile.getMessage());

        Path latin1 = dir.resolve("latin1.txt");
        Files.write(latin1, new byte[] {'c', 'a', 'f', (byte) 0xE9, '\n'});
        var notUtf8 = assertThrows(IOException.class, () -> trainer.train(List.of(latin1), options, dir.resolve("a")));
        assertTrue(notUtf8.getMessage().startsWith(latin1 + ": not UTF-8 text"), notUtf8.getMessage());

        var none = assertThrows(IllegalArgumentException.class, () -> trainer.train(List.of(), options, dir.resolve("a")));
        assertEquals("no training files given", none.getMessage());

        Path text = dir.resolve("t.txt");
        Files.writeString(text, "hello\n");
        var tooSmall = assertThrows(IllegalArgumentException.class,
                () -> trainer.train(List.of(text), TokenizerTrainingOptions.builder(100).build(), dir.resolve("a")));
        assertEquals("vocabulary size 100 is smaller than the 0 special tokens and the 256 characters of"
                + " the alphabet (256 tokens before any merge)", tooSmall.getMessage());

        var twice = assertThrows(IllegalArgumentException.class, () -> trainer.train(List.of(text),
                TokenizerTrainingOptions.builder(500).specialTokens(List.of("<s>", "<s>")).build(), dir.resolve("a")));
        assertEquals("special tokens listed twice: [<s>, <s>]", twice.getMessage());

        var role = assertThrows(IllegalArgumentException.class,
                () -> TokenizerTrainingOptions.builder(500).specialTokens(List.of("<s>")).eosToken("</s>").build());
        assertEquals("eos token </s> is not one of the special tokens [<s>]", role.getMessage());
        assertFalse(Files.exists(dir.resolve("a")), "nothing is written for bad input");
    }
}
