package dev.kiln.datasets.formats;

import dev.kiln.api.chat.Message;
import dev.kiln.api.data.DatasetException;
import dev.kiln.api.data.Row;
import dev.kiln.api.data.RowFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.osgi.service.component.annotations.Component;

/**
 * ShareGPT: {@code conversations} (or {@code conversation}) of {@code from} / {@code value} turns,
 * {@code human}/{@code user} for the user, {@code gpt}/{@code assistant}/{@code model}/
 * {@code chatgpt}/{@code bing}/{@code bard} for the assistant, {@code system},
 * {@code function_call} (a tool call as JSON text) and {@code observation}/{@code tool}/
 * {@code function_response} for tool results; or ms-swift's variant, a list of
 * {@code {"human": ..., "assistant": ...}} rounds.
 */
@Component(service = RowFormat.class)
public final class SharegptFormat extends LayoutFormat {

    public SharegptFormat() {
        super("sharegpt", Layout.SHAREGPT);
    }

    @Override
    List<Message> conversation(Row row, Set<String> consumed) throws DatasetException {
        String field = row.has("conversations") ? "conversations" : "conversation";
        consumed.add(field);
        List<?> turns = Fields.list(row.origin(), field, row.fields().get(field));
        List<Message> messages = new ArrayList<>();
        for (int i = 0; i < turns.size(); i++) {
            String at = field + "[" + i + "]";
            Map<String, Object> turn = Fields.object(row.origin(), at, turns.get(i));
            if (!turn.containsKey("from") && (turn.containsKey("human") || turn.containsKey("assistant"))) {
                messages.add(Message.user(Fields.string(row.origin(), at + ".human", turn.get("human")).orElse("")));
                Fields.string(row.origin(), at + ".assistant", turn.get("assistant"))
                        .ifPresent(a -> messages.add(Message.assistant(a)));
                continue;
            }
            String from = Fields.string(row.origin(), at + ".from", turn.get("from")).orElseThrow(
                    () -> new DatasetException(row.origin(), "field '" + at + ".from' is missing"));
            String value = Fields.string(row.origin(), at + ".value", turn.get("value")).orElseThrow(
                    () -> new DatasetException(row.origin(), "field '" + at + ".value' is missing"));
            messages.add(switch (from) {
                case "human", "user" -> Message.user(value);
                case "gpt", "assistant", "model", "chatgpt", "bing", "bard" -> Message.assistant(value);
                case "system" -> Message.system(value);
                case "function_call" -> ToolCalls.assistantCall(row.origin(), at + ".value", value, Map.of());
                case "observation", "tool", "function_response" -> Message.of(Message.TOOL, value);
                default -> throw new DatasetException(row.origin(), "field '" + at + ".from': unknown speaker '"
                        + from + "' (expected human, gpt, system, function_call or observation)");
            });
        }
        return messages;
    }
}
