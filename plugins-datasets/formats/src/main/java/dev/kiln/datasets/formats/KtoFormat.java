package dev.kiln.datasets.formats;

import dev.kiln.api.chat.Message;
import dev.kiln.api.data.DatasetException;
import dev.kiln.api.data.Row;
import dev.kiln.api.data.RowFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.osgi.service.component.annotations.Component;

/**
 * Unpaired preference rows for KTO (TRL's layout): a {@code prompt}, a {@code completion} and
 * whether it is desirable ({@code label}: true/false, 1/0). The prompt and completion may be
 * strings or role/content conversations. (Rows of {@code messages} or query/response with a
 * {@code label} are read by those formats, which keep the label too.)
 */
@Component(service = RowFormat.class)
public final class KtoFormat extends LayoutFormat {

    public KtoFormat() {
        super("kto", Layout.KTO);
    }

    @Override
    List<Message> conversation(Row row, Set<String> consumed) throws DatasetException {
        consumed.addAll(Set.of("prompt", "completion"));
        List<Message> messages = new ArrayList<>();
        add(row, "prompt", Message.USER, messages);
        add(row, "completion", Message.ASSISTANT, messages);
        if (!messages.getLast().role().equals(Message.ASSISTANT)) {
            throw new DatasetException(row.origin(), "field 'completion': must end with an assistant turn");
        }
        return messages;
    }

    private static void add(Row row, String field, String role, List<Message> into) throws DatasetException {
        Object value = row.fields().get(field);
        if (value instanceof List<?> turns) {
            for (int i = 0; i < turns.size(); i++) {
                into.add(MessagesFormat.message(row.origin(), field + "[" + i + "]", turns.get(i)));
            }
        } else if (value != null) {
            into.add(Message.of(role, Fields.string(row, field).orElseThrow()));
        } else if (role.equals(Message.ASSISTANT)) {
            throw new DatasetException(row.origin(), "field '" + field + "' is missing");
        }
    }
}
