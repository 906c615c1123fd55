package dev.kiln.datasets.local;

import dev.kiln.api.data.DatasetException;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * RFC 4180 records from a reader: fields separated by commas, records by CRLF or LF; a field in
 * double quotes may hold commas, line breaks and doubled quotes. Blank lines are skipped (as
 * pandas does). An unquoted empty field is null, a quoted one the empty string. A quote that
 * closes a field must be followed by a comma or the end of the record; anything else is a
 * {@link DatasetException} for that record, after which reading goes on at the next line.
 */
final class CsvRecords implements AutoCloseable {

    /** One record: its fields and the line it starts on. */
    record Record(List<String> fields, long line) {}

    private final Reader reader;
    private final String display;
    private final char[] buffer = new char[1 << 16];
    private int position;
    private int limit;
    private long line = 1;
    private boolean first = true;

    CsvRecords(Reader reader, String display) {
        this.reader = reader;
        this.display = display;
    }

    Optional<Record> next() throws IOException, DatasetException {
        int c = peek();
        if (first && c == '\uFEFF') {
            read();
            c = peek();
        }
        first = false;
        while (c == '\n' || c == '\r') {
            readLineBreak();
            c = peek();
        }
        if (c < 0) {
            return Optional.empty();
        }
        long start = line;
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        while (true) {
            c = peek();
            if (c == '"') {
                read();
                readQuoted(field, start);
                fields.add(field.toString());
                field.setLength(0);
                c = peek();
                if (c != ',' && c != '\n' && c != '\r' && c >= 0) {
                    skipRestOfLine();
                    throw new DatasetException(display + ":" + start, "text after the closing quote of field "
                            + fields.size());
                }
            } else {
                while (c >= 0 && c != ',' && c != '\n' && c != '\r') {
                    field.append((char) read());
                    c = peek();
                }
                fields.add(field.isEmpty() ? null : field.toString());
                field.setLength(0);
            }
            if (c == ',') {
                read();
                continue;
            }
            if (c == '\n' || c == '\r') {
                readLineBreak();
            }
            return Optional.of(new Record(fields, start));
        }
    }

    private void readQuoted(StringBuilder field, long start) throws IOException, DatasetException {
        while (true) {
            int c = read();
            if (c < 0) {
                throw new DatasetException(display + ":" + start, "a quoted field is not closed before the end of the file");
            }
            if (c == '"') {
                if (peek() == '"') {
                    read();
                    field.append('"');
                } else {
                    return;
                }
            } else {
                if (c == '\n') {
                    line++;
                } else if (c == '\r' && peek() != '\n') {
                    line++;
                }
                field.append((char) c);
            }
        }
    }

    private void readLineBreak() throws IOException {
        if (read() == '\r' && peek() == '\n') {
            read();
        }
        line++;
    }

    private void skipRestOfLine() throws IOException {
        int c = peek();
        while (c >= 0 && c != '\n' && c != '\r') {
            read();
            c = peek();
        }
        if (c >= 0) {
            readLineBreak();
        }
    }

    private int peek() throws IOException {
        if (position == limit && !fill()) {
            return -1;
        }
        return buffer[position];
    }

    private int read() throws IOException {
        if (position == limit && !fill()) {
            return -1;
        }
        return buffer[position++];
    }

    private boolean fill() throws IOException {
        int n = reader.read(buffer, 0, buffer.length);
        if (n <= 0) {
            return false;
        }
        position = 0;
        limit = n;
        return true;
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
