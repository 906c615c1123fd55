package dev.kiln.datasets.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParser;
import dev.kiln.api.data.DatasetSpec;
import dev.kiln.api.data.Row;
import dev.kiln.api.data.RowReader;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The fixtures were written by the Rust parquet crate (src/test/node/make-parquet-fixtures.mjs),
 * which also wrote rows.json, the rows they hold.
 */
class ParquetSourceTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"plain-uncompressed", "dictionary-snappy", "dictionary-fallback",
            "dictionary-snappy-v2", "gzip"})
    void readsTheRowsTheWriterWrote(String name) throws Exception {
        Path fixtures = fixtures();
        List<Map<String, Object>> expected = expectedRows(fixtures.resolve("rows.json"));
        List<Row> rows;
        try (RowReader reader = new ParquetSource().open(DatasetSpec.parse(name + ".parquet"), fixtures)) {
            assertEquals(expected.size(), reader.size().orElseThrow());
            rows = new ArrayList<>();
            for (var row = reader.next(); row.isPresent(); row = reader.next()) {
                rows.add(row.get());
            }
        }
        assertEquals(expected.size(), rows.size());
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(name + ".parquet:row " + (i + 1), rows.get(i).origin());
            assertEquals(expected.get(i), rows.get(i).fields(), "row " + (i + 1));
            assertEquals(List.of("query", "response", "n", "big", "score", "ok"),
                    List.copyOf(rows.get(i).fields().keySet()));
        }
    }

    @Test
    void nestedColumnsAreRefusedByName() throws Exception {
        IOException e = assertThrows(IOException.class,
                () -> new ParquetSource().open(DatasetSpec.parse("nested.parquet"), fixtures()));
        assertTrue(e.getMessage().startsWith("nested.parquet: column 'messages' is nested"), e.getMessage());
    }

    @Test
    void damagedFilesAreRefused() throws Exception {
        byte[] good = Files.readAllBytes(fixtures().resolve("dictionary-snappy.parquet"));
        Files.write(dir.resolve("cut.parquet"), Arrays.copyOf(good, good.length - 3));
        IOException e = assertThrows(IOException.class,
                () -> new ParquetSource().open(DatasetSpec.parse("cut.parquet"), dir));
        assertEquals("cut.parquet: not a Parquet file (no PAR1 at its end)", e.getMessage());

        // Page bytes overwritten: decoding fails with an IOException naming the column, never
        // with garbage rows or an unchecked exception.
        byte[] damaged = good.clone();
        for (int i = 4; i < 400; i++) {
            damaged[i] = (byte) 0xFF;
        }
        Files.write(dir.resolve("damaged.parquet"), damaged);
        e = assertThrows(IOException.class, () -> Reading.readAll(new ParquetSource(), "damaged.parquet", dir));
        assertTrue(e.getMessage().startsWith("damaged.parquet: column '"), e.getMessage());
    }

    /** rows.json with each value as the reader gives it: integers as Long, floats as Double. */
    static List<Map<String, Object>> expectedRows(Path file) throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (JsonParser parser = JsonValues.FACTORY.createParser(file.toFile())) {
            parser.nextToken();
            for (Object o : (List<?>) JsonValues.read(parser)) {
                @SuppressWarnings("unchecked")
                Map<String, Object> row = new HashMap<>((Map<String, Object>) o);
                row.put("big", Long.parseLong((String) row.get("big")));
                if (row.get("score") instanceof Long l) {
                    row.put("score", l.doubleValue());
                }
                rows.add(row);
            }
        }
        return rows;
    }

    static Path fixtures() throws URISyntaxException {
        return Path.of(ParquetSourceTest.class.getResource("/parquet/rows.json").toURI()).getParent();
    }
}
