package dev.kiln.core.data;

import dev.kiln.api.data.DatasetException;
import dev.kiln.api.data.Sample;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;

/**
 * Batches of a dataset read as training goes ({@code --streaming true}): each epoch reads the
 * {@link SampleSource} anew and encodes samples one at a time, so memory holds only a shuffle
 * buffer. With {@link BatchOptions#shuffle()}, samples pass a buffer of {@code shuffleBuffer}
 * from which a seeded random one is taken as each new one arrives (as Hugging Face's
 * {@code IterableDataset.shuffle}); with packing, samples fill a row in arrival order until the
 * next does not fit; with {@code group_by_length}, rows are grouped as in memory within windows of
 * 50 batches. Resuming reads and skips the batches already done, which gives the same batches
 * because the order is a function of the seed and the epoch alone.
 */
public final class StreamingBatcher implements BatchSource {

    private final SampleSource source;
    private final SampleEncoder encoder;
    private final BatchOptions options;
    private final int shuffleBuffer;
    private final EncodeStats stats = new EncodeStats();

    /**
     * @param shuffleBuffer samples held for shuffling (ms-swift streams with a buffer of 1000)
     */
    public StreamingBatcher(SampleSource source, SampleEncoder encoder, BatchOptions options, int shuffleBuffer) {
        this.source = Objects.requireNonNull(source, "source");
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        this.options = Objects.requireNonNull(options, "options");
        if (shuffleBuffer < 1) {
            throw new IllegalArgumentException("shuffle buffer " + shuffleBuffer + ": must be at least 1");
        }
        if (encoder.options().maxLength() > options.maxLength()) {
            throw new IllegalArgumentException("the encoder's max_length " + encoder.options().maxLength()
                    + " exceeds the batches' " + options.maxLength());
        }
        this.shuffleBuffer = shuffleBuffer;
    }

    /** Unknown before the data is read. */
    @Override
    public OptionalLong batchesPerEpoch() {
        return OptionalLong.empty();
    }

    /** What encoding did, over every epoch read so far. */
    public EncodeStats stats() {
        return stats;
    }

    /**
     * {@inheritDoc}
     *
     * @throws DatasetException when the first epoch has no sample with a trainable token
     */
    @Override
    public EpochBatches epoch(DataPosition position) throws IOException, DatasetException {
        StreamEpoch epoch = new StreamEpoch(source.open(), position.epoch());
        try {
            for (long i = 0; i < position.batchesDone(); i++) {
                if (epoch.nextBatch().isEmpty()) {
                    break;
                }
            }
        } catch (IOException | DatasetException | RuntimeException e) {
            epoch.close();
            throw e;
        }
        return epoch;
    }

    /** One pass: samples -> encoded -> shuffled -> rows -> grouped -> batches. */
    private final class StreamEpoch implements EpochBatches {

        private final SampleStream samples;
        private final int epoch;
        private final Random random;
        private final List<EncodedSample> buffer = new ArrayList<>();
        private final Deque<List<EncodedSample>> rows = new ArrayDeque<>();
        private List<EncodedSample> packing = new ArrayList<>();
        private int packedLength;
        private boolean exhausted;
        private long batchesDone;

        StreamEpoch(SampleStream samples, int epoch) {
            this.samples = samples;
            this.epoch = epoch;
            this.random = new Random(EpochOrder.seedFor(options.seed(), epoch));
        }

        @Override
        public Optional<Batch> next() throws IOException, DatasetException {
            return nextBatch();
        }

        Optional<Batch> nextBatch() throws IOException, DatasetException {
            int window = options.groupByLength() ? options.batchSize() * EpochOrder.MEGABATCH_FACTOR
                    : options.batchSize();
            while (rows.size() < window && fillRow()) {
                // fillRow adds one row
            }
            if (rows.isEmpty()) {
                if (batchesDone == 0 && epoch == 0) {
                    throw new DatasetException(source.description(),
                            "no sample has a trainable token (" + stats + ")"
                            + (samples.skipped() > 0 ? "; " + samples.skipped() + " malformed rows skipped" : ""));
                }
                return Optional.empty();
            }
            if (options.groupByLength() && rows.size() > options.batchSize()) {
                groupWindow();
            }
            List<List<EncodedSample>> batchRows = new ArrayList<>();
            while (batchRows.size() < options.batchSize() && !rows.isEmpty()) {
                batchRows.add(rows.removeFirst());
            }
            batchesDone++;
            return Optional.of(BatchAssembler.assemble(batchRows, options.packing(), options.padId()));
        }

        /** Orders the rows of the window longest first, as the grouped sampler does. */
        private void groupWindow() {
            List<List<EncodedSample>> window = new ArrayList<>(rows);
            rows.clear();
            window.sort((a, b) -> Integer.compare(length(b), length(a)));
            rows.addAll(window);
        }

        /** Adds one row to {@code rows}; false when the data is used up. */
        private boolean fillRow() throws IOException, DatasetException {
            while (true) {
                Optional<EncodedSample> sample = nextShuffled();
                if (sample.isEmpty()) {
                    if (!packing.isEmpty()) {
                        rows.addLast(packing);
                        packing = new ArrayList<>();
                        packedLength = 0;
                        return true;
                    }
                    return false;
                }
                EncodedSample s = sample.get();
                if (!options.packing()) {
                    rows.addLast(List.of(s));
                    return true;
                }
                if (packedLength + s.length() > options.maxLength() && !packing.isEmpty()) {
                    rows.addLast(packing);
                    packing = new ArrayList<>(List.of(s));
                    packedLength = s.length();
                    return true;
                }
                packing.add(s);
                packedLength += s.length();
            }
        }

        private Optional<EncodedSample> nextShuffled() throws IOException, DatasetException {
            int capacity = options.shuffle() ? shuffleBuffer : 1;
            while (!exhausted && buffer.size() < capacity) {
                Optional<EncodedSample> s = nextEncoded();
                if (s.isEmpty()) {
                    exhausted = true;
                } else {
                    buffer.add(s.get());
                }
            }
            if (buffer.isEmpty()) {
                return Optional.empty();
            }
            int pick = options.shuffle() ? random.nextInt(buffer.size()) : 0;
            EncodedSample picked = buffer.get(pick);
            // Swap-remove keeps the buffer O(1) per sample; the seed fixes the order all the same.
            buffer.set(pick, buffer.getLast());
            buffer.removeLast();
            return Optional.of(picked);
        }

        private Optional<EncodedSample> nextEncoded() throws IOException, DatasetException {
            while (true) {
                Optional<Sample> sample = samples.next();
                if (sample.isEmpty()) {
                    return Optional.empty();
                }
                Optional<EncodedSample> encoded = encoder.encode(sample.get(), stats);
                if (encoded.isPresent()) {
                    return encoded;
                }
            }
        }

        @Override
        public DataPosition position() {
            return new DataPosition(epoch, batchesDone);
        }

        @Override
        public void close() throws IOException {
            samples.close();
        }
    }

    private static int length(List<EncodedSample> row) {
        int n = 0;
        for (EncodedSample s : row) {
            n += s.length();
        }
        return n;
    }
}
