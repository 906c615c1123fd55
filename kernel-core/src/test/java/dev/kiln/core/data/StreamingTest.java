package dev.kiln.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.data.DatasetException;
import dev.kiln.api.data.Sample;
import dev.kiln.api.tokenizer.Tokenizer;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --streaming: samples read as they are needed, through the real bundles and the smollm tokenizer. */
class StreamingTest {

    @TempDir
    Path dir;

    private final Tokenizer tokenizer = TestFixtures.tokenizer("smollm");

    private void lines(String name, int n, String prefix) throws IOException {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            s.append("{\"text\": \"").append(prefix).append(' ').append(i).append(" is a line of text.\"}\n");
        }
        Files.writeString(dir.resolve(name), s);
    }

    private SampleEncoder encoder(int maxLength) {
        return SampleEncoder.plain(tokenizer, EncodeOptions.pretraining(maxLength, OptionalInt.empty()));
    }

    private static List<String> texts(SampleSource source) throws Exception {
        List<String> out = new ArrayList<>();
        try (SampleStream stream = source.open()) {
            for (Optional<Sample> s = stream.next(); s.isPresent(); s = stream.next()) {
                out.add(s.get().messages().getLast().content());
            }
        }
        return out;
    }

    @Test
    void datasetsInterleaveAndSampleCountsCycle() throws Exception {
        lines("a.jsonl", 3, "a");
        lines("b.jsonl", 2, "b");
        SampleSource source = TestFixtures.loader().stream(LoadOptions.of(List.of("a.jsonl#7", "b.jsonl")), dir);
        List<String> firstWords = texts(source).stream().map(t -> t.substring(0, t.indexOf(" is"))).toList();
        assertEquals(List.of("a 0", "b 0", "a 1", "b 1", "a 2", "a 0", "a 1", "a 2", "a 0"), firstWords);
        assertEquals(firstWords, texts(source).stream().map(t -> t.substring(0, t.indexOf(" is"))).toList(),
                "each open() reads again from the start");
        assertThrows(IllegalArgumentException.class, () -> TestFixtures.loader().stream(
                LoadOptions.of(List.of("a.jsonl")).withSplitDatasetRatio(0.1), dir));
    }

    @Test
    void anEpochHoldsEverySampleOnceInASeededShuffledOrder() throws Exception {
        lines("c.jsonl", 40, "c");
        SampleSource source = TestFixtures.loader().stream(LoadOptions.of(List.of("c.jsonl")), dir);
        StreamingBatcher batcher = new StreamingBatcher(source, encoder(64), BatchOptions.training(4, 64, 0, 3), 8);
        assertTrue(batcher.batchesPerEpoch().isEmpty());
        List<Batch> epoch0 = BatcherTest.epoch(batcher, 0);
        assertEquals(10, epoch0.size());
        List<int[]> rows = new ArrayList<>();
        for (Batch b : epoch0) {
            for (int r = 0; r < b.rows(); r++) {
                int length = 0;
                while (length < b.seqLength() && b.attentionMask()[r * b.seqLength() + length] != 0) {
                    length++;
                }
                rows.add(java.util.Arrays.copyOfRange(b.inputIds(), r * b.seqLength(), r * b.seqLength() + length));
            }
        }
        Map<String, Integer> expected = new HashMap<>();
        for (int i = 0; i < 40; i++) {
            expected.merge(java.util.Arrays.toString(tokenizer.encode("c " + i + " is a line of text.", true)), 1, Integer::sum);
        }
        Map<String, Integer> actual = new HashMap<>();
        rows.forEach(r -> actual.merge(java.util.Arrays.toString(r), 1, Integer::sum));
        assertEquals(expected, actual);
        assertFalse(java.util.Arrays.equals(rows.getFirst(), tokenizer.encode("c 0 is a line of text.", true))
                && java.util.Arrays.equals(rows.get(1), tokenizer.encode("c 1 is a line of text.", true)), "shuffled");
        BatcherTest.assertBatchesEqual(epoch0, BatcherTest.epoch(
                new StreamingBatcher(source, encoder(64), BatchOptions.training(4, 64, 0, 3), 8), 0));
        assertFalse(java.util.Arrays.equals(epoch0.getFirst().inputIds(), BatcherTest.epoch(batcher, 1).getFirst().inputIds()));
        assertEquals(80, batcher.stats().encoded());
    }

    @Test
    void resumingSkipsToTheSameBatches() throws Exception {
        lines("d.jsonl", 30, "d");
        SampleSource source = TestFixtures.loader().stream(LoadOptions.of(List.of("d.jsonl")), dir);
        BatchOptions options = BatchOptions.training(2, 40, 0, 9).withPacking(true);
        List<Batch> uninterrupted = BatcherTest.epoch(new StreamingBatcher(source, encoder(40), options, 5), 2);
        List<Batch> resumed = new ArrayList<>();
        try (EpochBatches rest = new StreamingBatcher(source, encoder(40), options, 5).epoch(new DataPosition(2, 2))) {
            for (var b = rest.next(); b.isPresent(); b = rest.next()) {
                resumed.add(b.get());
            }
            assertEquals(new DataPosition(2, uninterrupted.size()), rest.position());
        }
        BatcherTest.assertBatchesEqual(uninterrupted.subList(2, uninterrupted.size()), resumed);
        for (Batch b : uninterrupted) {
            assertTrue(b.seqLength() <= 40);
            BatcherTest.segments(b, 0);
        }
    }

    @Test
    void nothingTrainableFailsTheFirstEpoch() throws Exception {
        lines("e.jsonl", 5, "e");
        SampleSource source = TestFixtures.loader().stream(LoadOptions.of(List.of("e.jsonl")), dir);
        StreamingBatcher batcher = new StreamingBatcher(source, encoder(3), BatchOptions.training(2, 3, 0, 0), 4);
        try (EpochBatches epoch = batcher.epoch(DataPosition.start())) {
            DatasetException e = assertThrows(DatasetException.class, epoch::next);
            assertEquals("e.jsonl: no sample has a trainable token (0 samples (0 tokens, 0 trained), 5 longer than"
                    + " --max_length left out)", e.getMessage());
        }
    }

    @Test
    void thePipelineFailsBeforeTrainingWhenTruncationLeavesNothing() throws Exception {
        lines("f.jsonl", 4, "f");
        DataPipeline pipeline = new DataPipeline(TestFixtures.sources(), TestFixtures.formats());
        DatasetException e = assertThrows(DatasetException.class, () -> pipeline.prepare(LoadOptions.of(List.of("f.jsonl")),
                encoder(3), BatchOptions.training(2, 3, 0, 0), BatchOptions.evaluation(2, 3, 0), dir));
        assertTrue(e.getMessage().startsWith("f.jsonl: no training sample has a trainable token after encoding"),
                e.getMessage());
        PreparedData data = pipeline.prepare(LoadOptions.of(List.of("f.jsonl")).withSplitDatasetRatio(0.25),
                encoder(64), BatchOptions.training(2, 64, 0, 0), BatchOptions.evaluation(2, 64, 0), dir);
        assertEquals(2, data.train().batchesPerEpoch().orElseThrow());
        assertEquals(1, data.validation().orElseThrow().batchesPerEpoch().orElseThrow());
        assertEquals(3, data.trainStats().encoded());
    }

    /**
     * A 48 MB JSON Lines file read through the loader's stream by a JVM with a 24 MB heap: it can
     * only succeed if rows are read one at a time.
     */
    @Test
    void aFileLargerThanTheHeapStreams() throws Exception {
        Path big = dir.resolve("big.jsonl");
        String row = "{\"messages\": [{\"role\": \"user\", \"content\": \"" + "x".repeat(400)
                + "\"}, {\"role\": \"assistant\", \"content\": \"" + "y".repeat(400) + "\"}]}\n";
        int rows = 48_000_000 / row.length();
        try (BufferedWriter w = Files.newBufferedWriter(big)) {
            for (int i = 0; i < rows; i++) {
                w.write(row);
            }
        }
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx24m",
                "-cp", System.getProperty("java.class.path"), StreamingProbe.class.getName(), dir.toString(), "big.jsonl")
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes()).trim();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), output);
        assertEquals(String.valueOf(rows), output.lines().reduce((a, b) -> b).orElse(""));
    }

    /** Counts the samples of a dataset through {@link DatasetLoader#stream}; run in a small JVM. */
    public static final class StreamingProbe {
        public static void main(String[] args) throws Exception {
            SampleSource source = TestFixtures.loader().stream(LoadOptions.of(List.of(args[1])), Path.of(args[0]));
            long n = 0;
            try (SampleStream stream = source.open()) {
                while (stream.next().isPresent()) {
                    n++;
                }
            }
            System.out.println(n);
        }
    }

    @Test
    void encodedSamplesCountOnlyShiftedLabels() {
        EncodedSample s = new EncodedSample(new int[] {5, 6, 7}, new int[] {5, -100, 7}, "x");
        assertEquals(1, s.trainableTokens());
        assertArrayEquals(new int[] {5, 6, 7}, s.inputIds());
    }
}
