package dev.kiln.core.data;

import java.util.List;

/**
 * A conversation as text, with the character spans of its assistant turns in order.
 *
 * @param unlocatedTurns earlier assistant turns that could not be found in the text
 */
record RenderedConversation(String text, List<Span> assistantSpans, int unlocatedTurns) {

    RenderedConversation {
        assistantSpans = List.copyOf(assistantSpans);
    }

    /** Characters {@code [start, end)} of one assistant turn. */
    record Span(int start, int end) {}
}
