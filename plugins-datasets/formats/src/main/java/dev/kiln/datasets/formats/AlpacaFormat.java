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
 * Alpaca: {@code instruction}, {@code input}, {@code output}, with optional {@code system} and
 * {@code history}. The query is the instruction and the input joined by a newline, or whichever
 * is present, as ms-swift joins them.
 */
@Component(service = RowFormat.class)
public final class AlpacaFormat extends LayoutFormat {

    public AlpacaFormat() {
        super("alpaca", Layout.ALPACA);
    }

    @Override
    List<Message> conversation(Row row, Set<String> consumed) throws DatasetException {
        consumed.addAll(Set.of("instruction", "input", "output"));
        String instruction = Fields.string(row, "instruction").orElse("");
        String input = Fields.string(row, "input").orElse("");
        String query = !instruction.isEmpty() && !input.isEmpty() ? instruction + "\n" + input
                : instruction.isEmpty() ? input : instruction;
        List<Message> messages = new ArrayList<>();
        history(row, messages, consumed);
        messages.add(Message.user(query));
        Fields.string(row, "output").ifPresent(output -> messages.add(Message.assistant(output)));
        return messages;
    }
}
