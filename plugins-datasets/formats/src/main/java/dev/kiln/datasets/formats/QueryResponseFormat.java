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
 * ms-swift's query / response layout, with its column names for each: the query from
 * {@code query}, {@code prompt}, {@code question} or {@code problem}; the response from
 * {@code response}, {@code answer}, {@code output}, {@code completion} or {@code solution};
 * optional {@code system} and {@code history} ([[query, response], ...]). A row with only a
 * response is a single assistant turn.
 */
@Component(service = RowFormat.class)
public final class QueryResponseFormat extends LayoutFormat {

    public QueryResponseFormat() {
        super("query-response", Layout.QUERY_RESPONSE);
    }

    @Override
    List<Message> conversation(Row row, Set<String> consumed) throws DatasetException {
        var query = Fields.firstString(row, Layout.QUERY_FIELDS);
        var response = Fields.firstString(row, Layout.RESPONSE_FIELDS);
        query.ifPresent(q -> consumed.add(q.getKey()));
        response.ifPresent(r -> consumed.add(r.getKey()));
        List<Message> messages = new ArrayList<>();
        history(row, messages, consumed);
        query.ifPresent(q -> messages.add(Message.user(q.getValue())));
        response.ifPresent(r -> messages.add(Message.assistant(r.getValue())));
        return messages;
    }
}
