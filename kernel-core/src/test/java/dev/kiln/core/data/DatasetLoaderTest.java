package dev.kiln.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.chat.Message;
import dev.kiln.api.data.DatasetException;
import dev.kiln.api.data.Sample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real files through the real bundles' sources and formats. */
class DatasetLoaderTest {

    @TempDir
    Path dir;

    private void write(String name, String content) throws IOException {
        Files.writeString(dir.resolve(name), content);
    }

    private static String jsonl(int n, String prefix) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            s.append("{\"query\": \"").append(prefix).append(i).append("\", \"response\": \"r").append(i).append("\"}\n");
        }
        return s.toString();
    }

    private static String query(Sample s) {
        return s.messages().stream().filter(m -> m.role().equals(Message.USER)).findFirst().orElseThrow().content();
    }

    @Test
    void mixesFormatsAndFileKindsInTheOrderGiven() throws Exception {
        write("a.jsonl", "{\"messages\": [{\"role\": \"user\", \"content\": \"m\"}, {\"role\": \"assistant\", \"content\": \"M\"}]}\n"
                + "{\"instruction\": \"i\", \"output\": \"o\"}\n");
        write("b.csv", "query,response\nq,r\n");
        write("c.json", "[{\"conversations\": [{\"from\": \"human\", \"value\": \"s\"}, {\"from\": \"gpt\", \"value\": \"S\"}]}]");
        write("d.txt", "plain text\n");
        Files.copy(TestFixtures.repository().resolve(
                "plugins-datasets/datasets-local/src/test/resources/parquet/dictionary-snappy.parquet"), dir.resolve("e.parquet"));
        LoadedDatasets loaded = TestFixtures.loader().load(
                LoadOptions.of(List.of("a.jsonl", "b.csv", "c.json", "d.txt", "e.parquet")), dir);
        assertEquals(5 + 23, loaded.train().size());
        assertEquals(List.of(Message.user("m"), Message.assistant("M")), loaded.train().get(0).messages());
        assertEquals(List.of(Message.user("i"), Message.assistant("o")), loaded.train().get(1).messages());
        assertEquals("b.csv:2", loaded.train().get(2).origin());
        assertEquals(List.of(Message.assistant("plain text")), loaded.train().get(4).messages());
        assertEquals("e.parquet:row 1", loaded.train().get(5).origin());
        assertEquals(List.of(Message.assistant("answer 0")), loaded.train().get(5 + 3).messages(),
                "row 4 has a null query: a response-only sample");
        assertEquals(Map.of("messages", 1L, "alpaca", 1L), loaded.reports().get(0).formats());
        assertEquals("parquet", loaded.reports().get(4).source());
        assertEquals(List.of(), loaded.validation());
    }

    @Test
    void sampleCountDrawsWithTheSeedAndOversamplesAsMsSwift() throws Exception {
        write("ten.jsonl", jsonl(10, "q"));
        DatasetLoader loader = TestFixtures.loader();
        List<String> four = loader.load(LoadOptions.of(List.of("ten.jsonl#4")), dir).train().stream()
                .map(DatasetLoaderTest::query).toList();
        assertEquals(4, new HashSet<>(four).size(), "without repetition below the size");
        assertEquals(four, loader.load(LoadOptions.of(List.of("ten.jsonl#4")), dir).train().stream()
                .map(DatasetLoaderTest::query).toList(), "the same seed draws the same rows");
        assertNotEquals(four, loader.load(LoadOptions.of(List.of("ten.jsonl#4")).withSeed(7), dir).train().stream()
                .map(DatasetLoaderTest::query).toList());

        List<String> oversampled = loader.load(LoadOptions.of(List.of("ten.jsonl#25")), dir).train().stream()
                .map(DatasetLoaderTest::query).toList();
        Map<String, Integer> counts = new HashMap<>();
        oversampled.forEach(q -> counts.merge(q, 1, Integer::sum));
        assertEquals(25, oversampled.size());
        assertEquals(10, counts.size());
        assertEquals(5, counts.values().stream().filter(c -> c == 3).count(), "2 full copies + 5 drawn once more");
        assertEquals(5, counts.values().stream().filter(c -> c == 2).count());
        for (int i = 0; i < 10; i++) {
            assertEquals("q" + i, oversampled.get(i), "full copies come first, in order");
        }
    }

    @Test
    void splitRatioAndValidationDatasets() throws Exception {
        write("train.jsonl", jsonl(20, "t"));
        write("val.jsonl", jsonl(3, "v"));
        LoadedDatasets split = TestFixtures.loader().load(LoadOptions.of(List.of("train.jsonl"))
                .withSplitDatasetRatio(0.1).withValDatasets(List.of("val.jsonl")), dir);
        assertEquals(18, split.train().size());
        assertEquals(2 + 3, split.validation().size());
        Set<String> all = new HashSet<>();
        split.train().forEach(s -> all.add(query(s)));
        split.validation().forEach(s -> all.add(query(s)));
        assertEquals(23, all.size(), "every row once, in one set or the other");
        assertEquals(18, split.reports().get(0).train());
        assertEquals(2, split.reports().get(0).validation());
        LoadedDatasets tiny = TestFixtures.loader().load(LoadOptions.of(List.of("train.jsonl#3"))
                .withSplitDatasetRatio(0.01), dir);
        assertEquals(1, tiny.validation().size(), "at least one row goes to validation");
    }

    @Test
    void selfCognitionTakesTheModelsNameAndAuthorPerLanguage() throws Exception {
        LoadedDatasets loaded = TestFixtures.loader().load(LoadOptions.of(List.of("builtin:self-cognition#100"))
                .withModelName(List.of("小炉", "Kiln")).withModelAuthor(List.of("炉团队", "the Kiln team")), dir);
        assertEquals(100, loaded.train().size());
        for (Sample s : loaded.train()) {
            String answer = s.messages().getLast().content();
            assertTrue(!answer.contains("{{"), answer);
            boolean zh = "zh".equals(s.extra().get("tag"));
            assertTrue(answer.contains(zh ? "小炉" : "Kiln") || answer.contains(zh ? "炉团队" : "the Kiln team"), answer);
        }
        LoadedDatasets oneName = TestFixtures.loader().load(LoadOptions.of(List.of("swift/self-cognition:zh#3"))
                .withModelName(List.of("Kiln")).withModelAuthor(List.of("Kiln team")), dir);
        assertTrue(oneName.train().stream().allMatch(s -> !s.messages().getLast().content().contains("{{")));

        DatasetException missing = assertThrows(DatasetException.class,
                () -> TestFixtures.loader().load(LoadOptions.of(List.of("builtin:self-cognition")), dir));
        assertTrue(missing.getMessage().startsWith("builtin:self-cognition:1: the row has {{NAME}} placeholders:"
                + " pass --model_name and --model_author"), missing.getMessage());
    }

    @Test
    void aMalformedLineStopsLoadingUnlessStrictIsOff() throws Exception {
        write("bad.jsonl", "{\"query\": \"a\", \"response\": \"b\"}\n{\"query\": \"a\",, }\n{\"foo\": 1, \"bar\": 2}\n"
                + "{\"query\": \"c\", \"response\": \"d\"}\n");
        DatasetException malformed = assertThrows(DatasetException.class,
                () -> TestFixtures.loader().load(LoadOptions.of(List.of("bad.jsonl")), dir));
        assertTrue(malformed.getMessage().startsWith("bad.jsonl:2: malformed JSON"), malformed.getMessage());
        assertEquals("bad.jsonl:2", malformed.origin());

        LoadedDatasets lenient = TestFixtures.loader().load(LoadOptions.of(List.of("bad.jsonl")).withStrict(false), dir);
        assertEquals(2, lenient.train().size());
        assertEquals(2, lenient.reports().getFirst().rowsSkipped());
        assertEquals(4, lenient.reports().getFirst().rowsRead() + 1, "the malformed line is not a row read");
        assertEquals(2, lenient.skippedRows().size());
        assertEquals("bad.jsonl:3: no row format recognises the fields [bar, foo] (tried messages, sharegpt, alpaca,"
                + " query-response, text, preference, kto)", lenient.skippedRows().get(1));
    }

    @Test
    void badSpecsAndSourcesAreNamed() throws Exception {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> LoadOptions.of(List.of("data.jsonl#0")));
        assertEquals("dataset 'data.jsonl#0': '#0' must be a positive number of rows", zero.getMessage());
        IOException unknown = assertThrows(IOException.class,
                () -> TestFixtures.loader().load(LoadOptions.of(List.of("org/some-hub-dataset")), dir));
        assertEquals("dataset 'org/some-hub-dataset': no dataset source can open it (tried builtin, jsonl, json, csv,"
                + " txt, parquet); a file is looked for relative to " + dir, unknown.getMessage());
        IOException missing = assertThrows(IOException.class,
                () -> TestFixtures.loader().load(LoadOptions.of(List.of("nope.jsonl")), dir));
        assertTrue(missing.getMessage().startsWith("nope.jsonl: no such file"), missing.getMessage());
        write("empty.jsonl", "\n\n");
        DatasetException empty = assertThrows(DatasetException.class,
                () -> TestFixtures.loader().load(LoadOptions.of(List.of("empty.jsonl")), dir));
        assertEquals("empty.jsonl: the dataset has no rows", empty.getMessage());
        write("ambiguous.jsonl", "{\"x\": 1}\n");
        DatasetException none = assertThrows(DatasetException.class,
                () -> new DatasetLoader(TestFixtures.sources(), List.of()).load(LoadOptions.of(List.of("ambiguous.jsonl")), dir));
        assertEquals("ambiguous.jsonl:1: no row format recognises the fields [x] (tried none: no row format is installed)",
                none.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.of(List.of("a.jsonl")).withSplitDatasetRatio(1.0));
    }

    @Test
    void sampleExtrasAndStandardColumnsSurviveLoading() throws Exception {
        write("pref.jsonl", "{\"prompt\": \"p\", \"chosen\": \"c\", \"rejected\": \"r\", \"id\": 9}\n");
        Sample s = TestFixtures.loader().load(LoadOptions.of(List.of("pref.jsonl")), dir).train().getFirst();
        assertEquals(Optional.of("r"), s.rejectedResponse());
        assertEquals(Map.of("id", 9L), s.extra());
    }
}
