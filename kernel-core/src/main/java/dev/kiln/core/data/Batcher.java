package dev.kiln.core.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Batches of a dataset held in memory. The units of an epoch are the samples, or with
 * {@link BatchOptions#packing()} the packed rows (samples packed once, best fit decreasing, into
 * rows of at most {@code max_length} tokens); each epoch orders the units by a permutation seeded
 * with the seed and the epoch (or, with {@code group_by_length}, as transformers'
 * {@code LengthGroupedSampler}), and takes {@code batch_size} of them per batch, the last batch
 * possibly smaller. Any batch can be built directly ({@link #batch}), which is how a resumed run
 * continues where it stopped.
 */
public final class Batcher implements BatchSource {

    private final List<EncodedSample> samples;
    private final BatchOptions options;
    private final List<int[]> units;
    private final int[] unitLengths;

    /**
     * @throws IllegalArgumentException when a sample is longer than {@code max_length} (encode
     *     with the same {@code max_length}) or there are no samples
     */
    public Batcher(List<EncodedSample> samples, BatchOptions options) {
        this.samples = List.copyOf(samples);
        this.options = Objects.requireNonNull(options, "options");
        if (this.samples.isEmpty()) {
            throw new IllegalArgumentException("no samples to batch");
        }
        for (EncodedSample s : this.samples) {
            if (s.length() > options.maxLength()) {
                throw new IllegalArgumentException(s.origin() + ": " + s.length()
                        + " tokens, longer than --max_length " + options.maxLength());
            }
        }
        this.units = options.packing() ? Packing.bestFitDecreasing(lengths(this.samples), options.maxLength())
                : singletons(this.samples.size());
        this.unitLengths = new int[units.size()];
        for (int u = 0; u < units.size(); u++) {
            for (int s : units.get(u)) {
                unitLengths[u] += this.samples.get(s).length();
            }
        }
    }

    @Override
    public OptionalLong batchesPerEpoch() {
        return OptionalLong.of(batchCount());
    }

    /** Batches in each epoch. */
    public int batchCount() {
        return (units.size() + options.batchSize() - 1) / options.batchSize();
    }

    /** Rows per epoch: samples, or packed rows. */
    public int unitCount() {
        return units.size();
    }

    /** Batch {@code index} of {@code epoch}. */
    public Batch batch(int epoch, int index) {
        return batch(EpochOrder.of(unitLengths, options, epoch), index);
    }

    @Override
    public EpochBatches epoch(DataPosition position) {
        int[] order = EpochOrder.of(unitLengths, options, position.epoch());
        return new EpochBatches() {
            long next = position.batchesDone();

            @Override
            public Optional<Batch> next() {
                if (next >= batchCount()) {
                    return Optional.empty();
                }
                return Optional.of(batch(order, (int) next++));
            }

            @Override
            public DataPosition position() {
                return new DataPosition(position.epoch(), next);
            }

            @Override
            public void close() {}
        };
    }

    private Batch batch(int[] order, int index) {
        if (index < 0 || index >= batchCount()) {
            throw new IndexOutOfBoundsException("batch " + index + " of " + batchCount());
        }
        int from = index * options.batchSize();
        int to = Math.min(from + options.batchSize(), order.length);
        List<List<EncodedSample>> rows = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            List<EncodedSample> row = new ArrayList<>();
            for (int s : units.get(order[i])) {
                row.add(samples.get(s));
            }
            rows.add(row);
        }
        return BatchAssembler.assemble(rows, options.packing(), options.padId());
    }

    private static int[] lengths(List<EncodedSample> samples) {
        int[] out = new int[samples.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = samples.get(i).length();
        }
        return out;
    }

    private static List<int[]> singletons(int n) {
        List<int[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new int[] {i});
        }
        return out;
    }
}
