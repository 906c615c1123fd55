package dev.kiln.datasets.local;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.kiln.api.data.DatasetException;
import dev.kiln.api.data.Row;
import dev.kiln.api.data.RowReader;
import dev.kiln.api.data.RowValues;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Rows of a JSON Lines file, one line at a time. A malformed line is a {@link DatasetException}
 * naming the file and line, after which reading goes on with the next line.
 */
final class JsonLinesReader implements RowReader {

    private final BufferedReader reader;
    private final String display;
    private long line;

    JsonLinesReader(Path file, String display) throws IOException {
        this.reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        this.display = display;
    }

    /** Continues a reader whose first {@code linesRead} lines were consumed already. */
    JsonLinesReader(BufferedReader reader, String display, long linesRead) {
        this.reader = reader;
        this.display = display;
        this.line = linesRead;
    }

    @Override
    public Optional<Row> next() throws IOException, DatasetException {
        String text;
        do {
            text = reader.readLine();
            if (text == null) {
                return Optional.empty();
            }
            line++;
        } while (text.isBlank());
        if (line == 1 && text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        String origin = display + ":" + line;
        return Optional.of(new Row(parseObject(text, origin), origin));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> parseObject(String text, String origin) throws DatasetException {
        try (JsonParser parser = JsonValues.FACTORY.createParser(text)) {
            JsonToken first = parser.nextToken();
            Object value = JsonValues.read(parser);
            if (parser.nextToken() != null) {
                throw new DatasetException(origin, "malformed JSON: text after the value at column "
                        + parser.currentLocation().getColumnNr());
            }
            if (first != JsonToken.START_OBJECT) {
                throw new DatasetException(origin, "expected a JSON object, found " + RowValues.describe(value));
            }
            return (Map<String, Object>) value;
        } catch (JsonProcessingException e) {
            throw new DatasetException(origin, "malformed JSON: " + e.getOriginalMessage()
                    + " at column " + e.getLocation().getColumnNr(), e);
        } catch (IOException e) {
            throw new DatasetException(origin, "malformed JSON: " + e.getMessage(), e);
        }
    }

    @Override
    public OptionalLong size() {
        return OptionalLong.empty();
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
