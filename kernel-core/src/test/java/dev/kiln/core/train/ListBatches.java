package dev.kiln.core.train;

import dev.kiln.core.data.Batch;
import dev.kiln.core.data.BatchSource;
import dev.kiln.core.data.DataPosition;
import dev.kiln.core.data.EpochBatches;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;

/** Batches from a list: in order, or shuffled per epoch by a seed, resumable at a position. */
final class ListBatches implements BatchSource {

    private final List<Batch> batches;
    private final Long seed;

    /** @param seed shuffles each epoch with {@code seed + epoch}; null keeps the order */
    ListBatches(List<Batch> batches, Long seed) {
        this.batches = List.copyOf(batches);
        this.seed = seed;
    }

    @Override
    public OptionalLong batchesPerEpoch() {
        return OptionalLong.of(batches.size());
    }

    @Override
    public EpochBatches epoch(DataPosition position) {
        List<Batch> order = new ArrayList<>(batches);
        if (seed != null) {
            Collections.shuffle(order, new Random(seed + position.epoch()));
        }
        return new EpochBatches() {
            private long done = position.batchesDone();

            @Override
            public Optional<Batch> next() {
                return done < order.size() ? Optional.of(order.get((int) done++)) : Optional.empty();
            }

            @Override
            public DataPosition position() {
                return new DataPosition(position.epoch(), done);
            }

            @Override
            public void close() {}
        };
    }

    /** One right-padded batch of whole sequences, every token after the first trained. */
    static Batch of(int[]... rows) {
        int seq = 0;
        for (int[] row : rows) {
            seq = Math.max(seq, row.length);
        }
        int n = rows.length * seq;
        int[] ids = new int[n];
        int[] positions = new int[n];
        int[] mask = new int[n];
        int[] labels = new int[n];
        java.util.Arrays.fill(labels, -100);
        int trained = 0;
        for (int r = 0; r < rows.length; r++) {
            for (int t = 0; t < rows[r].length; t++) {
                int i = r * seq + t;
                ids[i] = rows[r][t];
                positions[i] = t;
                mask[i] = 1;
                labels[i] = t == 0 ? -100 : rows[r][t];
                trained += t == 0 ? 0 : 1;
            }
        }
        return new Batch(rows.length, seq, ids, positions, mask, labels, rows.length, trained);
    }
}
