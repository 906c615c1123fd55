package dev.kiln.core.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CompletionTextTest {

    @Test
    void withoutStopStringsEverythingIsReleasedAtOnce() {
        CompletionText text = new CompletionText(List.of());
        assertEquals("Hello", text.append("Hello"));
        assertEquals(", world", text.append(", world"));
        assertEquals("", text.finish());
        assertFalse(text.stopped());
    }

    @Test
    void aStopStringSplitOverDeltasCutsTheTextBeforeIt() {
        CompletionText text = new CompletionText(List.of("</answer>"));
        assertEquals("42 ", text.append("42 </"));
        assertEquals("", text.append("ans"));
        assertEquals("", text.append("wer> and more"));
        assertTrue(text.stopped());
        assertEquals("42 ", text.text());
        assertEquals("", text.finish());
    }

    @Test
    void aFalseStartIsReleasedOnceItCannotBeAStop() {
        CompletionText text = new CompletionText(List.of("STOP"));
        assertEquals("a ", text.append("a ST"));
        assertEquals("STEP b", text.append("EP b"));
        assertEquals("", text.append("S"), "it could start STOP");
        assertEquals("S", text.finish());
        assertEquals("a STEP bS", text.text());
    }

    @Test
    void theEarliestOfSeveralStopsWins() {
        CompletionText text = new CompletionText(List.of("world", "o, w"));
        assertEquals("Hell", text.append("Hello, world"));
        assertEquals("Hell", text.text());
    }

    @Test
    void aSurrogatePairIsNeverSplit() {
        CompletionText text = new CompletionText(List.of("\uDD25x"));
        String fire = "\uD83D\uDD25";
        String released = text.append("a" + fire);
        assertEquals("a", released, "the low surrogate could start the stop, so its pair waits with it");
        assertEquals(fire, text.finish());
    }
}
