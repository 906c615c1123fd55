package dev.kiln.datasets.formats;

import dev.kiln.api.chat.Message;
import dev.kiln.api.data.DatasetException;
import dev.kiln.api.data.Row;
import dev.kiln.api.data.RowFormat;
import java.util.List;
import java.util.Set;
import org.osgi.service.component.annotations.Component;

/**
 * Plain text for pretraining: {@code text} becomes one assistant turn, the whole of which is
 * trained (ms-swift reads {@code text} as the response).
 */
@Component(service = RowFormat.class)
public final class TextFormat extends LayoutFormat {

    public TextFormat() {
        super("text", Layout.TEXT);
    }

    @Override
    List<Message> conversation(Row row, Set<String> consumed) throws DatasetException {
        consumed.add("text");
        return List.of(Message.assistant(Fields.required(row, "text")));
    }
}
