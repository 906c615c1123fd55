package dev.kiln.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.chat.ChatTemplate;
import dev.kiln.api.chat.Message;
import dev.kiln.api.data.DatasetException;
import dev.kiln.api.data.Sample;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.models.chat.JinjaChatTemplateEngine;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** Truncation, loss scales, document ends and errors, on the smollm tokenizer with ChatML. */
class SampleEncoderTest {

    static final String CHATML = "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
    static final int IGNORE = EncodedSample.IGNORE_INDEX;

    private final Tokenizer tokenizer = TestFixtures.tokenizer("smollm");
    private final ChatTemplate chatml = new JinjaChatTemplateEngine().compile(CHATML, Map.of());

    private static Sample sample(Message... messages) {
        return Sample.of(List.of(messages), "t.jsonl:1");
    }

    private int[] ids(String text) {
        return tokenizer.encode(text, false);
    }

    @Test
    void labelsCoverTheAssistantTurnsAndTheirEndToken() throws Exception {
        Sample two = sample(Message.user("Hi"), Message.assistant("Hello"), Message.user("Bye"), Message.assistant("Ciao"));
        EncodedSample all = SampleEncoder.chat(tokenizer, chatml, EncodeOptions.sft(512)).encode(two, new EncodeStats()).orElseThrow();
        int[] expectedIds = ids("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello<|im_end|>\n"
                + "<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\nCiao<|im_end|>\n");
        assertArrayEquals(expectedIds, all.inputIds());
        int promptOne = ids("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n").length;
        int turnOne = ids("Hello<|im_end|>\n").length;
        int promptTwo = ids("<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n").length;
        for (int t = 0; t < expectedIds.length; t++) {
            boolean trained = (t >= promptOne && t < promptOne + turnOne) || t >= promptOne + turnOne + promptTwo;
            assertEquals(trained ? expectedIds[t] : IGNORE, all.labels()[t], "token " + t);
        }
        EncodedSample last = SampleEncoder.chat(tokenizer, chatml, EncodeOptions.sft(512).withLossScale(LossScale.LAST_ROUND))
                .encode(two, new EncodeStats()).orElseThrow();
        assertEquals(ids("Ciao<|im_end|>\n").length, last.trainableTokens());
        EncodedSample everything = SampleEncoder.chat(tokenizer, chatml, EncodeOptions.sft(512).withLossScale(LossScale.ALL))
                .encode(two, new EncodeStats()).orElseThrow();
        assertArrayEquals(everything.inputIds(), everything.labels());
    }

    @Test
    void truncationDeletesOrCutsEitherSide() throws Exception {
        Sample s = sample(Message.user("one two three four five six seven"), Message.assistant("eight nine ten"));
        EncodedSample whole = SampleEncoder.chat(tokenizer, chatml, EncodeOptions.sft(512)).encode(s, new EncodeStats()).orElseThrow();
        int max = whole.length() - 4;

        EncodeStats stats = new EncodeStats();
        assertTrue(SampleEncoder.chat(tokenizer, chatml, EncodeOptions.sft(max)).encode(s, stats).isEmpty());
        assertEquals(1, stats.droppedTooLong());

        EncodedSample left = SampleEncoder.chat(tokenizer, chatml, EncodeOptions.sft(max).withTruncation(TruncationStrategy.LEFT))
                .encode(s, stats).orElseThrow();
        assertArrayEquals(Arrays.copyOfRange(whole.inputIds(), 4, whole.length()), left.inputIds());
        assertArrayEquals(Arrays.copyOfRange(whole.labels(), 4, whole.length()), left.labels());

        EncodedSample right = SampleEncoder.chat(tokenizer, chatml, EncodeOptions.sft(max).withTruncation(TruncationStrategy.RIGHT))
                .encode(s, stats).orElseThrow();
        assertArrayEquals(Arrays.copyOf(whole.inputIds(), max), right.inputIds());
        assertEquals(2, stats.truncated());

        // Cut before the answer begins: nothing left to train on, so the sample is left out.
        int prompt = ids("<|im_start|>user\none two three four five six seven<|im_end|>\n<|im_start|>assistant\n").length;
        EncodeStats cut = new EncodeStats();
        assertTrue(SampleEncoder.chat(tokenizer, chatml, EncodeOptions.sft(prompt).withTruncation(TruncationStrategy.RIGHT))
                .encode(s, cut).isEmpty());
        assertEquals(1, cut.droppedNoLabels());
    }

    @Test
    void plainTextTrainsEveryTokenAndEndsTheDocument() throws Exception {
        int eos = tokenizer.tokenId("<|endoftext|>").orElseThrow();
        Sample text = sample(Message.assistant("Call me Ishmael."));
        EncodedSample encoded = SampleEncoder.plain(tokenizer, EncodeOptions.pretraining(64, OptionalInt.of(eos)))
                .encode(text, new EncodeStats()).orElseThrow();
        int[] body = tokenizer.encode("Call me Ishmael.", true);
        int[] expected = Arrays.copyOf(body, body.length + 1);
        expected[body.length] = eos;
        assertArrayEquals(expected, encoded.inputIds());
        assertArrayEquals(expected, encoded.labels());
    }

    @Test
    void aDefaultSystemIsAddedWhenTheConversationHasNone() throws Exception {
        SampleEncoder encoder = SampleEncoder.chat(tokenizer, chatml, EncodeOptions.sft(512).withDefaultSystem("Be brief."));
        EncodedSample withDefault = encoder.encode(sample(Message.user("q"), Message.assistant("a")), new EncodeStats()).orElseThrow();
        assertArrayEquals(ids("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nq<|im_end|>\n"
                + "<|im_start|>assistant\na<|im_end|>\n"), withDefault.inputIds());
        EncodedSample own = encoder.encode(sample(Message.system("Own."), Message.user("q"), Message.assistant("a")),
                new EncodeStats()).orElseThrow();
        assertArrayEquals(ids("<|im_start|>system\nOwn.<|im_end|>\n<|im_start|>user\nq<|im_end|>\n"
                + "<|im_start|>assistant\na<|im_end|>\n"), own.inputIds());
    }

    @Test
    void earlierTurnsATemplateRewritesAreLeftUnlabelledAndCounted() throws Exception {
        // Like Qwen3 dropping earlier reasoning: earlier assistant turns render differently later.
        ChatTemplate rewriting = new JinjaChatTemplateEngine().compile("{% for m in messages %}"
                + "{% if m['role'] == 'assistant' and not loop.last %}[earlier]{% else %}<{{ m['role'] }}>{{ m['content'] }}{% endif %}"
                + "{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}", Map.of());
        EncodeStats stats = new EncodeStats();
        EncodedSample e = SampleEncoder.chat(tokenizer, rewriting, EncodeOptions.sft(512)).encode(
                sample(Message.user("q1"), Message.assistant("a1"), Message.user("q2"), Message.assistant("a2")), stats)
                .orElseThrow();
        assertEquals(1, stats.unlocatedTurns());
        assertEquals(ids("a2").length, e.trainableTokens());
    }

    @Test
    void templateErrorsNameTheRow() {
        ChatTemplate strict = new JinjaChatTemplateEngine().compile(
                "{% if messages[0]['role'] != 'user' %}{{ raise_exception('Conversations must start with the user') }}{% endif %}x",
                Map.of());
        DatasetException e = assertThrows(DatasetException.class, () -> SampleEncoder.chat(tokenizer, strict,
                EncodeOptions.sft(512)).encode(sample(Message.assistant("a")), new EncodeStats()));
        assertTrue(e.getMessage().startsWith("t.jsonl:1: the chat template rejects the conversation:"), e.getMessage());
        assertTrue(e.getMessage().contains("Conversations must start with the user"), e.getMessage());

        ChatTemplate lastHidden = new JinjaChatTemplateEngine().compile(
                "{% for m in messages %}{% if m['role'] != 'assistant' %}{{ m['content'] }}{% endif %}{% endfor %}", Map.of());
        DatasetException hidden = assertThrows(DatasetException.class, () -> SampleEncoder.chat(tokenizer, lastHidden,
                EncodeOptions.sft(512)).encode(sample(Message.user("q"), Message.assistant("a")), new EncodeStats()));
        assertTrue(hidden.getMessage().startsWith("t.jsonl:1: the chat template renders the conversation so that the"
                + " last assistant turn cannot be located"), hidden.getMessage());
    }

    @Test
    void optionsParseAsTheCommandLineSpellsThem() {
        assertEquals(LossScale.LAST_ROUND, LossScale.parse("last_round"));
        assertEquals(TruncationStrategy.LEFT, TruncationStrategy.parse("LEFT"));
        assertEquals("--truncation_strategy 'split': expected delete, left or right",
                assertThrows(IllegalArgumentException.class, () -> TruncationStrategy.parse("split")).getMessage());
        assertEquals("--loss_scale 'weird': expected default, last_round or all",
                assertThrows(IllegalArgumentException.class, () -> LossScale.parse("weird")).getMessage());
    }
}
