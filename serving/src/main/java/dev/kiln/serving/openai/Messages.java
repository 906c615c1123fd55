package dev.kiln.serving.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.api.chat.Message;
import dev.kiln.serving.http.ApiError;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A chat request's {@code messages} as the chat template's {@link Message}s: the role (OpenAI's
 * {@code developer} is the template's {@code system}), the content (a string, or text parts
 * joined), and the other fields ({@code name}, {@code tool_calls}, {@code tool_call_id}, ...)
 * passed on under their own names.
 */
final class Messages {

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");
    private static final ObjectMapper PLAIN = new ObjectMapper();

    private Messages() {}

    static List<Message> parse(JsonNode messages) {
        if (!messages.isArray()) {
            throw Fields.invalidType("messages", "an array", messages);
        }
        if (messages.isEmpty()) {
            throw ApiError.badRequest("Invalid 'messages': empty array. Expected an array with"
                    + " at least 1 element.", "messages");
        }
        List<Message> out = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            out.add(message(messages.get(i), "messages[" + i + "]"));
        }
        return out;
    }

    private static Message message(JsonNode node, String param) {
        Fields f = Fields.of(node, param);
        String role = f.requiredString("role");
        if (!ROLES.contains(role)) {
            throw ApiError.badRequest("Invalid value for '" + param + ".role': '" + role
                    + "'. Supported values are: 'system', 'developer', 'user', 'assistant' and"
                    + " 'tool'.", param + ".role");
        }
        String content = content(f, role, param);
        Map<String, Object> extra = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!field.getKey().equals("role") && !field.getKey().equals("content")
                    && !field.getValue().isNull()) {
                extra.put(field.getKey(), PLAIN.convertValue(field.getValue(), Object.class));
            }
        }
        return Message.of(role.equals("developer") ? Message.SYSTEM : role, content, extra);
    }

    /** A string, or an array of text parts joined; null only for an assistant's tool calls. */
    private static String content(Fields f, String role, String param) {
        JsonNode content = f.node("content");
        if (content == null) {
            if (role.equals("assistant")) {
                return "";
            }
            throw f.missing("content");
        }
        if (content.isTextual()) {
            return content.textValue();
        }
        if (!content.isArray()) {
            throw Fields.invalidType(param + ".content", "a string or an array of content parts", content);
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < content.size(); i++) {
            Fields part = Fields.of(content.get(i), param + ".content[" + i + "]");
            String type = part.requiredString("type");
            if (!type.equals("text")) {
                throw ApiError.badRequest("Invalid '" + part.param("type") + "': '" + type
                        + "' parts are not supported; this model reads text only.", part.param("type"));
            }
            if (!text.isEmpty()) {
                text.append('\n');
            }
            text.append(part.requiredString("text"));
        }
        return text.toString();
    }
}
