package dev.kiln.api.data;

import dev.kiln.api.chat.Message;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A dataset row in the standard schema every trainer reads, ms-swift's: the conversation
 * ({@code messages}), for preference training the rejected answer ({@code rejected_response}),
 * for KTO the {@code label}, the {@code tools} offered, and every other column ({@code extra}),
 * which reward functions receive.
 *
 * @param messages the conversation, the last assistant turn being the target
 * @param rejectedResponse the dispreferred last answer, for DPO-style training
 * @param label whether the answer is desirable, for KTO
 * @param tools OpenAI-style tool schemas offered in the conversation
 * @param extra the other columns of the row, unchanged
 * @param origin where the row came from, for error messages
 */
public record Sample(
        List<Message> messages,
        Optional<String> rejectedResponse,
        Optional<Boolean> label,
        List<Map<String, Object>> tools,
        Map<String, Object> extra,
        String origin) {

    public Sample {
        messages = List.copyOf(messages);
        tools = List.copyOf(tools);
        extra = Map.copyOf(extra);
    }

    /** A plain conversation with nothing else. */
    public static Sample of(List<Message> messages, String origin) {
        return new Sample(messages, Optional.empty(), Optional.empty(), List.of(), Map.of(), origin);
    }
}
