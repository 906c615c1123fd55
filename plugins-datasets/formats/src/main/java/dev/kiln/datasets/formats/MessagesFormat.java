package dev.kiln.datasets.formats;

import dev.kiln.api.chat.Message;
import dev.kiln.api.data.DatasetException;
import dev.kiln.api.data.Row;
import dev.kiln.api.data.RowFormat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.osgi.service.component.annotations.Component;

/**
 * ms-swift's standard layout: {@code messages} (or {@code conversations}) of {@code role} /
 * {@code content} turns, with system, user, assistant and tool turns. ms-swift's agent roles are
 * mapped as transformers' templates expect them: {@code tool_call} becomes an assistant turn with
 * {@code tool_calls}, {@code tool_response} a {@code tool} turn. Content may be a string, or a
 * list of {@code {"type": "text", "text": ...}} parts, which are joined. A turn's other fields
 * ({@code tool_calls}, {@code tool_call_id}, {@code reasoning_content}, ...) travel in its
 * {@link Message#extra()}.
 */
@Component(service = RowFormat.class)
public final class MessagesFormat extends LayoutFormat {

    private static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool", "tool_call", "tool_response");

    public MessagesFormat() {
        super("messages", Layout.MESSAGES);
    }

    @Override
    List<Message> conversation(Row row, Set<String> consumed) throws DatasetException {
        String field = row.has("messages") ? "messages" : row.has("conversations") ? "conversations" : "conversation";
        consumed.add(field);
        List<?> turns = Fields.list(row.origin(), field, row.fields().get(field));
        List<Message> messages = new ArrayList<>(turns.size());
        for (int i = 0; i < turns.size(); i++) {
            messages.add(message(row.origin(), field + "[" + i + "]", turns.get(i)));
        }
        return messages;
    }

    static Message message(String origin, String field, Object value) throws DatasetException {
        Map<String, Object> turn = Fields.object(origin, field, value);
        String role = Fields.string(origin, field + ".role", turn.get("role")).orElseThrow(
                () -> new DatasetException(origin, "field '" + field + ".role' is missing"));
        if (!ROLES.contains(role)) {
            throw new DatasetException(origin, "field '" + field + ".role': unknown role '" + role
                    + "' (expected system, user, assistant, tool, tool_call or tool_response)");
        }
        Map<String, Object> extra = new LinkedHashMap<>(turn);
        extra.remove("role");
        extra.remove("content");
        extra.values().removeIf(java.util.Objects::isNull);
        String content = content(origin, field + ".content", turn.get("content"));
        if (role.equals("tool_call")) {
            return ToolCalls.assistantCall(origin, field + ".content", content, extra);
        }
        if (role.equals("tool_response")) {
            role = Message.TOOL;
        }
        if (content == null) {
            if (!(role.equals(Message.ASSISTANT) && extra.containsKey("tool_calls"))) {
                throw new DatasetException(origin, "field '" + field + ".content' is missing");
            }
            content = "";
        }
        return Message.of(role, content, extra);
    }

    /** A string, or text parts joined; null when absent. */
    private static String content(String origin, String field, Object value) throws DatasetException {
        if (value == null || value instanceof String) {
            return (String) value;
        }
        if (value instanceof List<?> parts) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < parts.size(); i++) {
                Map<String, Object> part = Fields.object(origin, field + "[" + i + "]", parts.get(i));
                if (!"text".equals(part.get("type"))) {
                    throw new DatasetException(origin, "field '" + field + "[" + i + "]': only text parts are"
                            + " supported, found type '" + part.get("type") + "'");
                }
                text.append(Fields.string(origin, field + "[" + i + "].text", part.get("text")).orElse(""));
            }
            return text.toString();
        }
        throw Fields.wrongType(origin, field, "a string or a list of text parts", value);
    }
}
