package dev.kiln.datasets.formats;

import dev.kiln.api.chat.Message;
import dev.kiln.api.data.DatasetException;
import dev.kiln.api.data.Row;
import dev.kiln.api.data.RowFormat;
import dev.kiln.api.data.Sample;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A format that claims the rows of one {@link Layout}. Every format reads ms-swift's standard
 * columns beside its own: {@code system} (prepended unless the conversation has one),
 * {@code tools}, {@code rejected_response}, {@code label}; the remaining columns go to
 * {@link Sample#extra()}.
 */
abstract class LayoutFormat implements RowFormat {

    private static final Set<String> STANDARD = Set.of("system", "tools", "rejected_response", "label");

    private final String name;
    private final Layout layout;

    LayoutFormat(String name, Layout layout) {
        this.name = name;
        this.layout = layout;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final boolean matches(Row row) {
        return Layout.of(row).filter(layout::equals).isPresent();
    }

    @Override
    public final Sample convert(Row row) throws DatasetException {
        Set<String> consumed = new HashSet<>(STANDARD);
        List<Message> messages = new ArrayList<>(conversation(row, consumed));
        if (messages.isEmpty()) {
            throw new DatasetException(row.origin(), name + " row: the conversation is empty");
        }
        var system = Fields.string(row, "system");
        if (system.isPresent() && !system.get().isEmpty() && !messages.getFirst().role().equals(Message.SYSTEM)) {
            messages.addFirst(Message.system(system.get()));
        }
        var rejected = Fields.string(row, "rejected_response");
        if (rejected.isEmpty()) {
            rejected = rejectedResponse(row);
        }
        return new Sample(messages, rejected, Fields.label(row), Fields.tools(row), Fields.extra(row, consumed),
                row.origin());
    }

    /**
     * The row's conversation; adds the fields it reads to {@code consumed}.
     *
     * @throws DatasetException naming the row and the field that is wrong
     */
    abstract List<Message> conversation(Row row, Set<String> consumed) throws DatasetException;

    /** A rejected answer from the format's own fields (preference rows). */
    java.util.Optional<String> rejectedResponse(Row row) throws DatasetException {
        return java.util.Optional.empty();
    }

    /** ms-swift's {@code history}: a list of [query, response] pairs before the last query. */
    static void history(Row row, List<Message> into, Set<String> consumed) throws DatasetException {
        Object value = row.fields().get("history");
        consumed.add("history");
        if (value == null) {
            return;
        }
        List<?> pairs = Fields.list(row.origin(), "history", value);
        for (int i = 0; i < pairs.size(); i++) {
            String field = "history[" + i + "]";
            List<?> pair = Fields.list(row.origin(), field, pairs.get(i));
            if (pair.size() != 2) {
                throw new DatasetException(row.origin(), "field '" + field + "': expected [query, response], found "
                        + pair.size() + " values");
            }
            into.add(Message.user(Fields.string(row.origin(), field + "[0]", pair.get(0)).orElse("")));
            into.add(Message.assistant(Fields.string(row.origin(), field + "[1]", pair.get(1)).orElse("")));
        }
    }
}
