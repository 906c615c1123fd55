package dev.kiln.datasets.formats;

import dev.kiln.api.chat.Message;
import dev.kiln.api.data.DatasetException;
import dev.kiln.api.data.Row;
import dev.kiln.api.data.RowFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.osgi.service.component.annotations.Component;

/**
 * Preference pairs for DPO-style training: {@code chosen} and {@code rejected}, either answers
 * (strings) to a {@code prompt} (or {@code query}, {@code question}; with optional {@code system}
 * and {@code history}), or whole conversations (lists of role/content turns, TRL's
 * conversational layout) whose last turn is the answer, after an optional {@code prompt}
 * conversation. The chosen answer ends {@code messages}; the rejected one is
 * {@code rejected_response}. (Rows of {@code messages} with {@code rejected_response} are read
 * by the messages format.)
 */
@Component(service = RowFormat.class)
public final class PreferenceFormat extends LayoutFormat {

    public PreferenceFormat() {
        super("preference", Layout.PREFERENCE);
    }

    @Override
    List<Message> conversation(Row row, Set<String> consumed) throws DatasetException {
        consumed.addAll(Set.of("chosen", "rejected", "prompt", "query", "question"));
        Object chosen = row.fields().get("chosen");
        List<Message> messages = new ArrayList<>();
        if (chosen instanceof List<?>) {
            Object prompt = row.fields().get("prompt");
            if (prompt instanceof List<?> turns) {
                for (int i = 0; i < turns.size(); i++) {
                    messages.add(MessagesFormat.message(row.origin(), "prompt[" + i + "]", turns.get(i)));
                }
            } else if (prompt != null) {
                messages.add(Message.user(Fields.string(row, "prompt").orElseThrow()));
            }
            List<?> turns = (List<?>) chosen;
            for (int i = 0; i < turns.size(); i++) {
                messages.add(MessagesFormat.message(row.origin(), "chosen[" + i + "]", turns.get(i)));
            }
            if (messages.isEmpty() || !messages.getLast().role().equals(Message.ASSISTANT)) {
                throw new DatasetException(row.origin(), "field 'chosen': the conversation must end with an"
                        + " assistant turn");
            }
            return messages;
        }
        String answer = Fields.required(row, "chosen");
        var query = Fields.firstString(row, List.of("prompt", "query", "question"));
        if (query.isEmpty()) {
            throw new DatasetException(row.origin(), "preference row: 'chosen' and 'rejected' are answers, so the"
                    + " row needs a 'prompt' (or 'query', 'question')");
        }
        history(row, messages, consumed);
        messages.add(Message.user(query.get().getValue()));
        messages.add(Message.assistant(answer));
        return messages;
    }

    @Override
    Optional<String> rejectedResponse(Row row) throws DatasetException {
        Object rejected = row.fields().get("rejected");
        if (rejected instanceof List<?> turns) {
            if (turns.isEmpty()) {
                throw new DatasetException(row.origin(), "field 'rejected': the conversation is empty");
            }
            int last = turns.size() - 1;
            Message answer = MessagesFormat.message(row.origin(), "rejected[" + last + "]", turns.get(last));
            if (!answer.role().equals(Message.ASSISTANT)) {
                throw new DatasetException(row.origin(), "field 'rejected': the conversation must end with an"
                        + " assistant turn");
            }
            return Optional.of(answer.content());
        }
        return Optional.of(Fields.required(row, "rejected"));
    }
}
