package dev.kiln.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BatcherTest {

    static final int IGNORE = EncodedSample.IGNORE_INDEX;
    static final int PAD = 99_999;

    /** Sample i: ids i*1000 + t, the first two tokens unlabelled (a prompt). */
    static EncodedSample sample(int i, int length) {
        int[] ids = new int[length];
        int[] labels = new int[length];
        for (int t = 0; t < length; t++) {
            ids[t] = i * 1000 + t;
            labels[t] = t < 2 ? IGNORE : ids[t];
        }
        return new EncodedSample(ids, labels, "s" + i);
    }

    static List<EncodedSample> samples(int n, int maxLength, long seed) {
        Random r = new Random(seed);
        List<EncodedSample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(sample(i, 3 + r.nextInt(maxLength - 3)));
        }
        return out;
    }

    static List<Batch> epoch(BatchSource source, int epoch) throws Exception {
        List<Batch> out = new ArrayList<>();
        try (EpochBatches batches = source.epoch(new DataPosition(epoch, 0))) {
            for (var b = batches.next(); b.isPresent(); b = batches.next()) {
                out.add(b.get());
            }
        }
        return out;
    }

    /**
     * The samples of a batch, read back from its segments (checking positions restart in each and
     * padding is masked, padded and unlabelled).
     */
    static List<int[]> segments(Batch b) {
        return segments(b, PAD);
    }

    static List<int[]> segments(Batch b, int pad) {
        List<int[]> out = new ArrayList<>();
        for (int r = 0; r < b.rows(); r++) {
            int t = 0;
            while (t < b.seqLength()) {
                int at = r * b.seqLength() + t;
                int segment = b.attentionMask()[at];
                if (segment == 0) {
                    break;
                }
                int start = t;
                while (t < b.seqLength() && b.attentionMask()[r * b.seqLength() + t] == segment) {
                    assertEquals(t - start, b.positions()[r * b.seqLength() + t], "positions restart per segment");
                    t++;
                }
                out.add(Arrays.copyOfRange(b.inputIds(), r * b.seqLength() + start, r * b.seqLength() + t));
            }
            for (; t < b.seqLength(); t++) {
                int at = r * b.seqLength() + t;
                assertEquals(0, b.attentionMask()[at]);
                assertEquals(pad, b.inputIds()[at]);
                assertEquals(IGNORE, b.labels()[at]);
            }
        }
        return out;
    }

    @Test
    void paddedBatchesLayOutOneSamplePerRow() {
        Batcher batcher = new Batcher(List.of(sample(0, 5), sample(1, 3), sample(2, 4)),
                BatchOptions.evaluation(3, 8, PAD));
        Batch b = batcher.batch(0, 0);
        assertEquals(3, b.rows());
        assertEquals(5, b.seqLength());
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 1000, 1001, 1002, PAD, PAD, 2000, 2001, 2002, 2003, PAD}, b.inputIds());
        assertArrayEquals(new int[] {1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0}, b.attentionMask());
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 0, 1, 2, 0, 0, 0, 1, 2, 3, 0}, b.positions());
        assertArrayEquals(new int[] {IGNORE, IGNORE, 2, 3, 4, IGNORE, IGNORE, 1002, IGNORE, IGNORE,
                IGNORE, IGNORE, 2002, 2003, IGNORE}, b.labels());
        assertEquals(3 + 1 + 2, b.trainableTokens());
        assertEquals(12, b.tokens());
        assertEquals(3, b.samples());
    }

    @Test
    void packedRowsKeepEachSampleWholeInItsOwnSegment() throws Exception {
        List<EncodedSample> data = samples(200, 64, 1);
        Batcher batcher = new Batcher(data, BatchOptions.training(4, 64, PAD, 7).withPacking(true));
        int total = data.stream().mapToInt(EncodedSample::length).sum();
        assertTrue(batcher.unitCount() <= Math.ceil(total / 64.0) * 1.1, batcher.unitCount() + " rows for " + total);
        Map<Integer, int[]> seen = new HashMap<>();
        for (Batch b : epoch(batcher, 0)) {
            assertTrue(b.seqLength() <= 64);
            for (int[] segment : segments(b)) {
                int index = segment[0] / 1000;
                assertTrue(seen.put(index, segment) == null, "sample " + index + " twice in an epoch");
                assertArrayEquals(data.get(index).inputIds(), segment);
            }
            int trainable = 0;
            for (int i = 0; i < b.labels().length; i++) {
                boolean segmentStart = b.positions()[i] == 0;
                if (segmentStart) {
                    assertEquals(IGNORE, b.labels()[i], "a segment's first token predicts nothing");
                } else if (b.attentionMask()[i] != 0) {
                    int id = b.inputIds()[i];
                    assertEquals(id % 1000 < 2 ? IGNORE : id, b.labels()[i]);
                    trainable += b.labels()[i] == IGNORE ? 0 : 1;
                }
            }
            assertEquals(trainable, b.trainableTokens());
        }
        assertEquals(200, seen.size());
    }

    @Test
    void theOrderIsFixedBySeedAndEpochAndResumable() throws Exception {
        List<EncodedSample> data = samples(50, 40, 2);
        Batcher a = new Batcher(data, BatchOptions.training(3, 40, PAD, 42));
        Batcher b = new Batcher(data, BatchOptions.training(3, 40, PAD, 42));
        assertEquals(17, a.batchCount());
        List<Batch> epoch0 = epoch(a, 0);
        assertEquals(17, epoch0.size());
        assertEquals(2, epoch0.getLast().rows(), "the last batch holds what is left");
        assertBatchesEqual(epoch0, epoch(b, 0));
        assertFalse(Arrays.equals(epoch0.getFirst().inputIds(), epoch(a, 1).getFirst().inputIds()));
        assertFalse(Arrays.equals(epoch0.getFirst().inputIds(),
                epoch(new Batcher(data, BatchOptions.training(3, 40, PAD, 43)), 0).getFirst().inputIds()));

        // Resume in epoch 1 after 5 batches: the rest is what the uninterrupted epoch gives.
        List<Batch> uninterrupted = epoch(a, 1);
        List<Batch> resumed = new ArrayList<>();
        try (EpochBatches rest = b.epoch(new DataPosition(1, 5))) {
            assertEquals(new DataPosition(1, 5), rest.position());
            for (var batch = rest.next(); batch.isPresent(); batch = rest.next()) {
                resumed.add(batch.get());
            }
            assertEquals(new DataPosition(1, 17), rest.position());
        }
        assertBatchesEqual(uninterrupted.subList(5, 17), resumed);
        assertBatchesEqual(List.of(uninterrupted.get(7)), List.of(b.batch(1, 7)));
    }

    @Test
    void lengthGroupingSortsEachMegabatchLongestFirst() throws Exception {
        List<EncodedSample> data = samples(330, 100, 3);
        int batchSize = 2;
        Batcher grouped = new Batcher(data, BatchOptions.training(batchSize, 100, PAD, 5).withGroupByLength(true));
        List<Integer> lengths = new ArrayList<>();
        for (Batch b : epoch(grouped, 0)) {
            for (int r = 0; r < b.rows(); r++) {
                int length = 0;
                for (int t = 0; t < b.seqLength(); t++) {
                    length += b.attentionMask()[r * b.seqLength() + t] != 0 ? 1 : 0;
                }
                lengths.add(length);
            }
        }
        int longest = data.stream().mapToInt(EncodedSample::length).max().orElseThrow();
        assertEquals(longest, lengths.getFirst(), "the longest sample comes first");
        int megabatch = batchSize * 50;
        for (int from = 0; from < lengths.size(); from += megabatch) {
            List<Integer> slice = lengths.subList(from, Math.min(from + megabatch, lengths.size()));
            for (int i = 2; i < slice.size(); i++) {
                assertTrue(slice.get(i - 1) >= slice.get(i), "megabatch at " + from + " sorted: " + slice);
            }
        }
        int padding = 0;
        int paddingShuffled = 0;
        for (Batch b : epoch(grouped, 0)) {
            padding += b.rows() * b.seqLength() - b.tokens();
        }
        for (Batch b : epoch(new Batcher(data, BatchOptions.training(batchSize, 100, PAD, 5)), 0)) {
            paddingShuffled += b.rows() * b.seqLength() - b.tokens();
        }
        assertTrue(padding * 5 < paddingShuffled, padding + " padded tokens grouped, " + paddingShuffled + " shuffled");
    }

    @Test
    void samplesLongerThanTheRowAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Batcher(List.of(sample(0, 9)), BatchOptions.training(1, 8, PAD, 0)));
        assertEquals("s0: 9 tokens, longer than --max_length 8", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Batcher(List.of(), BatchOptions.training(1, 8, PAD, 0)));
    }

    static void assertBatchesEqual(List<Batch> expected, List<Batch> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i).inputIds(), actual.get(i).inputIds(), "batch " + i);
            assertArrayEquals(expected.get(i).labels(), actual.get(i).labels(), "batch " + i);
            assertArrayEquals(expected.get(i).attentionMask(), actual.get(i).attentionMask(), "batch " + i);
            assertArrayEquals(expected.get(i).positions(), actual.get(i).positions(), "batch " + i);
        }
    }
}
