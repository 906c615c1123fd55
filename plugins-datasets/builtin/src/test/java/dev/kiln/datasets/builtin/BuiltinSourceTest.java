package dev.kiln.datasets.builtin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.data.DatasetSpec;
import dev.kiln.api.data.Row;
import dev.kiln.api.data.RowReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class BuiltinSourceTest {

    private final BuiltinSource source = new BuiltinSource();
    private final Path cwd = Path.of(".");

    private List<Row> read(String spec) throws Exception {
        List<Row> rows = new ArrayList<>();
        try (RowReader reader = source.open(DatasetSpec.parse(spec), cwd)) {
            for (var row = reader.next(); row.isPresent(); row = reader.next()) {
                rows.add(row.get());
            }
        }
        return rows;
    }

    @Test
    void selfCognitionHasAHundredRowsInTwoLanguagesWithPlaceholders() throws Exception {
        List<Row> rows = read("builtin:self-cognition#100");
        assertEquals(100, rows.size());
        assertEquals(50, rows.stream().filter(r -> "zh".equals(r.fields().get("tag"))).count());
        assertEquals(50, rows.stream().filter(r -> "en".equals(r.fields().get("tag"))).count());
        assertEquals(100, new HashSet<>(rows.stream().map(r -> r.fields().get("query")).toList()).size());
        for (Row r : rows) {
            assertEquals(List.of("query", "response", "tag"), List.copyOf(r.fields().keySet()));
            String response = (String) r.fields().get("response");
            assertTrue(response.contains("{{NAME}}") || response.contains("{{AUTHOR}}"), r.toString());
        }
        assertEquals("builtin:self-cognition:1", rows.getFirst().origin());
    }

    @Test
    void msSwiftsIdAndSubsetsSelectTheSameRows() throws Exception {
        assertEquals(read("builtin:self-cognition").stream().map(Row::fields).toList(),
                read("swift/self-cognition").stream().map(Row::fields).toList());
        List<Row> en = read("swift/self-cognition:en#10");
        assertEquals(50, en.size());
        assertTrue(en.stream().allMatch(r -> r.fields().get("tag").equals("en")));
        assertEquals(50, read("builtin:self-cognition:zh").size());
    }

    @Test
    void claimsOnlyBuiltinNames() {
        assertTrue(source.canOpen(DatasetSpec.parse("builtin:anything"), cwd));
        assertTrue(source.canOpen(DatasetSpec.parse("swift/self-cognition#5"), cwd));
        assertFalse(source.canOpen(DatasetSpec.parse("data/self-cognition.jsonl"), cwd));
        IOException unknown = assertThrows(IOException.class, () -> read("builtin:alpaca-gpt4"));
        assertEquals("dataset 'builtin:alpaca-gpt4': no built-in dataset 'alpaca-gpt4' (built-in: self-cognition)",
                unknown.getMessage());
        IOException subset = assertThrows(IOException.class, () -> read("builtin:self-cognition:fr"));
        assertEquals("dataset 'builtin:self-cognition:fr': self-cognition has no subset 'fr' (subsets: default, zh, en)",
                subset.getMessage());
    }
}
