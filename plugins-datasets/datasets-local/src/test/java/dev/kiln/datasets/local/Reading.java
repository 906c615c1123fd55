package dev.kiln.datasets.local;

import dev.kiln.api.data.DatasetException;
import dev.kiln.api.data.DatasetSource;
import dev.kiln.api.data.DatasetSpec;
import dev.kiln.api.data.Row;
import dev.kiln.api.data.RowReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Test helpers: write a file, read every row (or the errors) through a source. */
final class Reading {

    private Reading() {}

    static Path write(Path dir, String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    static List<Row> readAll(DatasetSource source, String spec, Path cwd) throws IOException, DatasetException {
        List<Row> rows = new ArrayList<>();
        try (RowReader reader = source.open(DatasetSpec.parse(spec), cwd)) {
            for (Optional<Row> row = reader.next(); row.isPresent(); row = reader.next()) {
                rows.add(row.get());
            }
        }
        return rows;
    }

    /** Every row, with each malformed row's message in its place (as --strict false would go on). */
    static List<Object> readLenient(DatasetSource source, String spec, Path cwd) throws IOException {
        List<Object> out = new ArrayList<>();
        try (RowReader reader = source.open(DatasetSpec.parse(spec), cwd)) {
            while (true) {
                try {
                    Optional<Row> row = reader.next();
                    if (row.isEmpty()) {
                        return out;
                    }
                    out.add(row.get());
                } catch (DatasetException e) {
                    out.add(e.getMessage());
                }
            }
        }
    }
}
