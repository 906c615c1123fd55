package dev.kiln.datasets.formats;

import dev.kiln.api.chat.Message;
import dev.kiln.api.data.DatasetException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A tool call written as JSON text ({@code {"name": ..., "arguments": ...}}), as an assistant turn. */
final class ToolCalls {

    private ToolCalls() {}

    static Message assistantCall(String origin, String field, String json, Map<String, Object> extra)
            throws DatasetException {
        if (json == null) {
            throw new DatasetException(origin, "field '" + field + "' is missing");
        }
        Map<String, Object> call = Fields.object(origin, field, Fields.parseJson(origin, field, json));
        if (!(call.get("name") instanceof String)) {
            throw new DatasetException(origin, "field '" + field + "': a tool call needs a string 'name'");
        }
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", call.get("name"));
        function.put("arguments", call.getOrDefault("arguments", Map.of()));
        Map<String, Object> toolCall = new LinkedHashMap<>();
        toolCall.put("type", "function");
        toolCall.put("function", function);
        Map<String, Object> withCall = new LinkedHashMap<>(extra);
        withCall.put("tool_calls", List.of(toolCall));
        return Message.of(Message.ASSISTANT, "", withCall);
    }
}
