package dev.kiln.datasets.local;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.kiln.api.data.DatasetException;
import dev.kiln.api.data.Row;
import dev.kiln.api.data.RowReader;
import dev.kiln.api.data.RowValues;
import java.io.IOException;
import java.io.Reader;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The elements of a JSON array, parsed one at a time with a streaming tokenizer so the file is
 * never held whole. An element that is not an object is a {@link DatasetException} (reading goes
 * on); malformed JSON ends the file with an {@link IOException} naming the line and column, since
 * nothing after it can be trusted.
 */
final class JsonArrayReader implements RowReader {

    private final JsonParser parser;
    private final String display;
    private long index;
    private boolean started;
    private boolean ended;

    JsonArrayReader(Reader reader, String display) throws IOException {
        this.parser = JsonValues.FACTORY.createParser(reader);
        this.display = display;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Optional<Row> next() throws IOException, DatasetException {
        if (ended) {
            return Optional.empty();
        }
        try {
            if (!started) {
                started = true;
                if (parser.nextToken() != JsonToken.START_ARRAY) {
                    throw new IOException(display + ": expected a JSON array of objects");
                }
            }
            JsonToken token = parser.nextToken();
            if (token == JsonToken.END_ARRAY) {
                ended = true;
                if (parser.nextToken() != null) {
                    throw new IOException(display + ":" + parser.currentLocation().getLineNr()
                            + ": malformed JSON: text after the array");
                }
                return Optional.empty();
            }
            if (token == null) {
                throw new IOException(display + ": malformed JSON: the array is not closed");
            }
            String origin = display + ":" + parser.currentLocation().getLineNr() + " [" + index++ + "]";
            Object value = JsonValues.read(parser);
            if (!(value instanceof Map<?, ?>)) {
                throw new DatasetException(origin, "expected a JSON object, found " + RowValues.describe(value));
            }
            return Optional.of(new Row((Map<String, Object>) value, origin));
        } catch (JsonProcessingException e) {
            ended = true;
            throw new IOException(display + ":" + e.getLocation().getLineNr() + ":" + e.getLocation().getColumnNr()
                    + ": malformed JSON: " + e.getOriginalMessage(), e);
        }
    }

    @Override
    public OptionalLong size() {
        return OptionalLong.empty();
    }

    @Override
    public void close() throws IOException {
        parser.close();
    }
}
