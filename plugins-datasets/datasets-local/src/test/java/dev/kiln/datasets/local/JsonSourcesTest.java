package dev.kiln.datasets.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.data.DatasetException;
import dev.kiln.api.data.DatasetSpec;
import dev.kiln.api.data.Row;
import dev.kiln.api.data.RowReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonSourcesTest {

    @TempDir
    Path dir;

    @Test
    void jsonLinesRowsKeepTheirFieldsAndLines() throws Exception {
        Reading.write(dir, "train.jsonl", "\uFEFF{\"query\": \"q1\", \"n\": 3, \"x\": 1.5, \"ok\": true}\n\n"
                + "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"none\": null}\r\n");
        List<Row> rows = Reading.readAll(new JsonlSource(), "train.jsonl", dir);
        assertEquals(2, rows.size());
        assertEquals("train.jsonl:1", rows.get(0).origin());
        assertEquals(List.of("query", "n", "x", "ok"), List.copyOf(rows.get(0).fields().keySet()));
        assertEquals(3L, rows.get(0).fields().get("n"));
        assertEquals(1.5, rows.get(0).fields().get("x"));
        assertEquals(Boolean.TRUE, rows.get(0).fields().get("ok"));
        assertEquals("train.jsonl:3", rows.get(1).origin());
        assertEquals(List.of(Map.of("role", "user", "content", "hi")), rows.get(1).fields().get("messages"));
        assertFalse(rows.get(1).has("none"));
    }

    @Test
    void aMalformedLineNamesFileAndLineAndReadingGoesOn() throws Exception {
        Reading.write(dir, "bad.jsonl", "{\"a\": 1}\n{\"a\": 2,,}\n[1, 2]\n\"text\"\n{\"a\": 3} trailing\n{\"a\": 4}\n");
        List<Object> out = Reading.readLenient(new JsonlSource(), "bad.jsonl", dir);
        assertEquals(6, out.size());
        assertInstanceOf(Row.class, out.get(0));
        assertTrue(((String) out.get(1)).startsWith("bad.jsonl:2: malformed JSON"), (String) out.get(1));
        assertEquals("bad.jsonl:3: expected a JSON object, found an array", out.get(2));
        assertEquals("bad.jsonl:4: expected a JSON object, found a string", out.get(3));
        assertTrue(((String) out.get(4)).startsWith("bad.jsonl:5: malformed JSON"), (String) out.get(4));
        assertEquals("bad.jsonl:6", ((Row) out.get(5)).origin());
    }

    @Test
    void aJsonArrayIsStreamedElementByElement() throws Exception {
        // The array is cut off at its end: rows before the damage come out before the error, so the
        // reader cannot have parsed the whole file first.
        Reading.write(dir, "data.json", "[\n {\"a\": 1, \"nested\": {\"b\": [1, {\"c\": null}]}},\n 7,\n {\"a\": 2},\n {\"a\": ");
        try (RowReader reader = new JsonSource().open(DatasetSpec.parse("data.json"), dir)) {
            Row first = reader.next().orElseThrow();
            assertEquals("data.json:2 [0]", first.origin());
            assertEquals(Map.of("b", List.of(1L, java.util.Collections.singletonMap("c", null))),
                    first.fields().get("nested"));
            DatasetException notObject = assertThrows(DatasetException.class, reader::next);
            assertEquals("data.json:3 [1]: expected a JSON object, found a number", notObject.getMessage());
            assertEquals(2L, reader.next().orElseThrow().fields().get("a"));
            IOException broken = assertThrows(IOException.class, reader::next);
            assertTrue(broken.getMessage().startsWith("data.json:5:"), broken.getMessage());
            assertTrue(broken.getMessage().contains("malformed JSON"), broken.getMessage());
        }
    }

    @Test
    void aJsonFileMayHoldJsonLines() throws Exception {
        Reading.write(dir, "lines.json", "  {\"a\": 1}\n{\"a\": 2}\n");
        List<Row> rows = Reading.readAll(new JsonSource(), "lines.json", dir);
        assertEquals(List.of(1L, 2L), rows.stream().map(r -> r.fields().get("a")).toList());
        assertEquals("lines.json:2", rows.get(1).origin());
    }

    @Test
    void somethingElseThanAnArrayOrObjectsIsRefused() throws Exception {
        Reading.write(dir, "empty.json", "[]");
        assertEquals(List.of(), Reading.readAll(new JsonSource(), "empty.json", dir));
        Reading.write(dir, "after.json", "[{\"a\": 1}] [");
        IOException e = assertThrows(IOException.class, () -> Reading.readAll(new JsonSource(), "after.json", dir));
        assertTrue(e.getMessage().contains("after.json"), e.getMessage());
    }

    @Test
    void sourcesClaimTheirExtensionsAndNameAMissingFile() {
        JsonlSource jsonl = new JsonlSource();
        assertTrue(jsonl.canOpen(DatasetSpec.parse("data/TRAIN.JSONL#5"), dir));
        assertFalse(jsonl.canOpen(DatasetSpec.parse("data/train.json"), dir));
        assertFalse(jsonl.canOpen(DatasetSpec.parse("builtin:self-cognition"), dir));
        IOException e = assertThrows(IOException.class, () -> jsonl.open(DatasetSpec.parse("missing.jsonl"), dir));
        assertTrue(e.getMessage().startsWith("missing.jsonl: no such file"), e.getMessage());
    }
}
