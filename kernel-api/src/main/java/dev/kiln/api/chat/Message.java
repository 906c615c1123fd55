package dev.kiln.api.chat;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One turn of a conversation, in the OpenAI / ms-swift {@code messages} schema. Fields a template
 * may use beyond role and content ({@code tool_calls}, {@code tool_call_id},
 * {@code reasoning_content}, ...) travel in {@link #extra()} under their schema names.
 */
public final class Message {

    public static final String SYSTEM = "system";
    public static final String USER = "user";
    public static final String ASSISTANT = "assistant";
    public static final String TOOL = "tool";

    private final String role;
    private final String content;
    private final Map<String, Object> extra;

    private Message(String role, String content, Map<String, Object> extra) {
        this.role = Objects.requireNonNull(role, "role");
        this.content = Objects.requireNonNull(content, "content");
        // In the caller's order, as the fields of a JSON message: a template may iterate them.
        this.extra = Collections.unmodifiableMap(new LinkedHashMap<>(extra));
    }

    public static Message of(String role, String content) {
        return new Message(role, content, Map.of());
    }

    public static Message of(String role, String content, Map<String, Object> extra) {
        return new Message(role, content, extra);
    }

    public static Message system(String content) {
        return of(SYSTEM, content);
    }

    public static Message user(String content) {
        return of(USER, content);
    }

    public static Message assistant(String content) {
        return of(ASSISTANT, content);
    }

    public String role() { return role; }
    public String content() { return content; }
    public Map<String, Object> extra() { return extra; }

    @Override
    public boolean equals(Object o) {
        return o instanceof Message m && role.equals(m.role) && content.equals(m.content)
                && extra.equals(m.extra);
    }

    @Override
    public int hashCode() {
        return Objects.hash(role, content, extra);
    }

    @Override
    public String toString() {
        return role + ": " + content;
    }
}
