package dev.kiln.datasets.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.data.Row;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvAndTextSourcesTest {

    @TempDir
    Path dir;

    @Test
    void csvFollowsRfc4180() throws Exception {
        Reading.write(dir, "d.csv", "\uFEFFquery,response,extra\r\n"
                + "plain,\"with, comma\",\r\n"
                + "\"multi\nline\",\"say \"\"hi\"\"\",\"\"\r\n"
                + "\n"
                + "last,row,x");
        List<Row> rows = Reading.readAll(new CsvSource(), "d.csv", dir);
        assertEquals(3, rows.size());
        assertEquals("d.csv:2", rows.get(0).origin());
        assertEquals("with, comma", rows.get(0).fields().get("response"));
        assertNull(rows.get(0).fields().get("extra"));
        assertEquals("multi\nline", rows.get(1).fields().get("query"));
        assertEquals("say \"hi\"", rows.get(1).fields().get("response"));
        assertEquals("", rows.get(1).fields().get("extra"));
        assertEquals("d.csv:6", rows.get(2).origin());
        assertEquals(List.of("query", "response", "extra"), List.copyOf(rows.get(2).fields().keySet()));
    }

    @Test
    void badCsvRecordsNameTheirLineAndReadingGoesOn() throws Exception {
        Reading.write(dir, "bad.csv", "a,b\n1,2,3\n\"x\"y,z\n4,5\n\"open,6\n");
        List<Object> out = Reading.readLenient(new CsvSource(), "bad.csv", dir);
        assertEquals("bad.csv:2: 3 fields, but the header has 2 [a, b]", out.get(0));
        assertEquals("bad.csv:3: text after the closing quote of field 1", out.get(1));
        assertEquals("5", ((Row) out.get(2)).fields().get("b"));
        assertEquals("bad.csv:5: a quoted field is not closed before the end of the file", out.get(3));
        assertEquals(4, out.size());
    }

    @Test
    void csvHeadersMustNameEachColumnOnce() throws Exception {
        Reading.write(dir, "dup.csv", "a,a\n1,2\n");
        IOException e = assertThrows(IOException.class, () -> Reading.readAll(new CsvSource(), "dup.csv", dir));
        assertTrue(e.getMessage().startsWith("dup.csv:1: the header repeats a column name"), e.getMessage());
        Reading.write(dir, "empty.csv", "");
        e = assertThrows(IOException.class, () -> Reading.readAll(new CsvSource(), "empty.csv", dir));
        assertEquals("empty.csv: empty CSV file (no header row)", e.getMessage());
    }

    @Test
    void textGivesOneRowPerNonBlankLine() throws Exception {
        Reading.write(dir, "corpus.txt", "First line.\n\n   \nSecond  line, kept as is \r\nThird");
        List<Row> rows = Reading.readAll(new TextSource(), "corpus.txt", dir);
        assertEquals(List.of("First line.", "Second  line, kept as is ", "Third"),
                rows.stream().map(r -> r.fields().get("text")).toList());
        assertEquals(List.of("corpus.txt:1", "corpus.txt:4", "corpus.txt:5"), rows.stream().map(Row::origin).toList());
    }
}
