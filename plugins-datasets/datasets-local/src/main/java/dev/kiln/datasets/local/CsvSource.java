package dev.kiln.datasets.local;

import dev.kiln.api.data.DatasetException;
import dev.kiln.api.data.DatasetSource;
import dev.kiln.api.data.Row;
import dev.kiln.api.data.RowReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.osgi.service.component.annotations.Component;

/**
 * CSV files ({@code .csv}, RFC 4180): the first record names the columns; each later record is a
 * row of strings (an empty unquoted field is null, as pandas reads it). A record with another
 * number of fields than the header is a {@link DatasetException} naming its line.
 */
@Component(service = DatasetSource.class)
public final class CsvSource extends FileSource {

    public CsvSource() {
        super("csv", ".csv");
    }

    @Override
    RowReader open(Path file, String display) throws IOException {
        CsvRecords records = new CsvRecords(Files.newBufferedReader(file, StandardCharsets.UTF_8), display);
        try {
            Optional<CsvRecords.Record> header = records.next();
            if (header.isEmpty()) {
                throw new IOException(display + ": empty CSV file (no header row)");
            }
            List<String> columns = header.get().fields();
            for (int i = 0; i < columns.size(); i++) {
                if (columns.get(i) == null || columns.get(i).isEmpty()) {
                    throw new IOException(display + ":" + header.get().line() + ": header column " + (i + 1)
                            + " has no name");
                }
            }
            if (new HashSet<>(columns).size() != columns.size()) {
                throw new IOException(display + ":" + header.get().line() + ": the header repeats a column name: "
                        + columns);
            }
            return new CsvRowReader(records, columns, display);
        } catch (DatasetException e) {
            records.close();
            throw new IOException(e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            records.close();
            throw e;
        }
    }

    private static final class CsvRowReader implements RowReader {
        private final CsvRecords records;
        private final List<String> columns;
        private final String display;

        CsvRowReader(CsvRecords records, List<String> columns, String display) {
            this.records = records;
            this.columns = columns;
            this.display = display;
        }

        @Override
        public Optional<Row> next() throws IOException, DatasetException {
            Optional<CsvRecords.Record> record = records.next();
            if (record.isEmpty()) {
                return Optional.empty();
            }
            String origin = display + ":" + record.get().line();
            List<String> fields = record.get().fields();
            if (fields.size() != columns.size()) {
                throw new DatasetException(origin, fields.size() + " fields, but the header has "
                        + columns.size() + " " + columns);
            }
            Map<String, Object> row = new LinkedHashMap<>();
            for (int i = 0; i < fields.size(); i++) {
                row.put(columns.get(i), fields.get(i));
            }
            return Optional.of(new Row(row, origin));
        }

        @Override
        public OptionalLong size() {
            return OptionalLong.empty();
        }

        @Override
        public void close() throws IOException {
            records.close();
        }
    }
}
