package dev.kiln.models.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.tokenizer.StreamingDecoder;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.models.tokenizer.Fixtures.Case;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** The streaming decoder gives exactly the full decode, one valid piece of text at a time. */
class StreamingDecoderTest {

    static final List<String> FIXTURES = Fixtures.ALL;

    @ParameterizedTest
    @FieldSource("FIXTURES")
    void streamConcatenatesToTheFullDecode(String name) {
        Tokenizer tokenizer = Fixtures.load(name);
        List<String> failures = new ArrayList<>();
        for (Case c : Fixtures.goldens(name)) {
            for (boolean skip : new boolean[] {false, true}) {
                String full = tokenizer.decode(c.idsWithSpecial(), skip);
                List<String> pieces = stream(tokenizer, c.idsWithSpecial(), skip);
                String streamed = String.join("", pieces);
                if (!streamed.equals(full)) {
                    failures.add(GoldenTest.quote(c.text()) + " (skip " + skip + ") streamed as "
                            + GoldenTest.quote(streamed) + ", decodes as " + GoldenTest.quote(full));
                }
                for (String piece : pieces) {
                    if (!wellFormed(piece) || (!full.contains("\uFFFD") && piece.contains("\uFFFD"))) {
                        failures.add(GoldenTest.quote(c.text()) + ": piece " + GoldenTest.quote(piece)
                                + " is not whole characters");
                    }
                }
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    /** Llama-2 spells an emoji as 4 byte tokens: nothing comes out until the last one. */
    @Test
    void byteFallbackEmojiIsHeldUntilComplete() {
        Tokenizer llama = Fixtures.load("llama-2");
        int[] ids = llama.encode("a 😀 b", false);
        StreamingDecoder stream = llama.streamingDecoder(true);
        List<String> pieces = new ArrayList<>();
        for (int id : ids) {
            pieces.add(stream.push(id));
        }
        // ▁a, ▁, <0xF0>, <0x9F>, <0x98>, <0x80>, ▁b
        assertEquals(7, ids.length, () -> java.util.Arrays.toString(ids));
        assertEquals(List.of("a", " ", "", "", "", "😀", " b"), pieces);
        assertEquals("", stream.flush());
    }

    /** GPT-2 splits a ZWJ family over byte-level tokens that end mid-character. */
    @Test
    void byteLevelZwjSequenceIsNeverCutMidCharacter() {
        Tokenizer gpt2 = Fixtures.load("gpt2");
        String text = "👨‍👩‍👧‍👦 and 🏳️‍🌈";
        int[] ids = gpt2.encode(text, false);
        assertTrue(ids.length > text.codePointCount(0, text.length()), "split over bytes");
        StreamingDecoder stream = gpt2.streamingDecoder(false);
        StringBuilder out = new StringBuilder();
        int empty = 0;
        for (int id : ids) {
            String piece = stream.push(id);
            assertTrue(wellFormed(piece) && !piece.contains("\uFFFD"), piece);
            empty += piece.isEmpty() ? 1 : 0;
            out.append(piece);
        }
        out.append(stream.flush());
        assertEquals(text, out.toString());
        assertTrue(empty > 0, "some tokens end mid-character and are held back");
    }

    /** Bytes still missing at the end come out of flush as U+FFFD. */
    @Test
    void flushGivesIncompleteBytesAsReplacement() {
        Tokenizer llama = Fixtures.load("llama-2");
        int f0 = llama.tokenId("<0xF0>").orElseThrow();
        int x9f = llama.tokenId("<0x9F>").orElseThrow();
        int hello = llama.tokenId("▁Hello").orElseThrow();
        StreamingDecoder stream = llama.streamingDecoder(false);
        assertEquals("Hello", stream.push(hello));
        assertEquals("", stream.push(f0));
        assertEquals("", stream.push(x9f));
        String rest = stream.flush();
        assertEquals(llama.decode(new int[] {hello, f0, x9f}, false), "Hello" + rest);
        assertTrue(rest.contains("\uFFFD"));
    }

    /** A real U+FFFD in the text is emitted at once, not taken for a character still arriving. */
    @Test
    void realReplacementCharacterIsNotHeldBack() {
        Tokenizer gpt2 = Fixtures.load("gpt2");
        int[] ids = gpt2.encode("a\uFFFD", false);
        StreamingDecoder stream = gpt2.streamingDecoder(false);
        StringBuilder out = new StringBuilder();
        for (int id : ids) {
            out.append(stream.push(id));
        }
        assertEquals("a\uFFFD", out.toString());
        assertEquals("", stream.flush());
    }

    static List<String> stream(Tokenizer tokenizer, int[] ids, boolean skip) {
        StreamingDecoder stream = tokenizer.streamingDecoder(skip);
        List<String> pieces = new ArrayList<>();
        for (int id : ids) {
            pieces.add(stream.push(id));
        }
        pieces.add(stream.flush());
        return pieces;
    }

    /** No unpaired surrogate: the piece is whole characters, valid as UTF-8. */
    static boolean wellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }
}
