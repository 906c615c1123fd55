package dev.kiln.core.data;

/**
 * How encoded samples become batches.
 *
 * @param batchSize {@code --per_device_train_batch_size} (rows per batch)
 * @param maxLength {@code --max_length}: with packing, the length of a packed row
 * @param packing {@code --packing}: several samples per row, attention kept inside each
 * @param groupByLength {@code --group_by_length}: batches of similar lengths, as transformers'
 *     {@code LengthGroupedSampler} makes them (less padding)
 * @param shuffle a new seeded order each epoch ({@code false} for evaluation)
 * @param padId the id padding holds (its value never matters: it is masked and unlabelled)
 * @param seed {@code --seed} (or {@code --data_seed}): the order is a function of it and the epoch
 */
public record BatchOptions(int batchSize, int maxLength, boolean packing, boolean groupByLength,
        boolean shuffle, int padId, long seed) {

    public BatchOptions {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size " + batchSize + ": must be at least 1");
        }
        if (maxLength < 2) {
            throw new IllegalArgumentException("--max_length " + maxLength + ": must be at least 2");
        }
    }

    /** Shuffled, neither packed nor grouped. */
    public static BatchOptions training(int batchSize, int maxLength, int padId, long seed) {
        return new BatchOptions(batchSize, maxLength, false, false, true, padId, seed);
    }

    /** In dataset order, for the eval loop. */
    public static BatchOptions evaluation(int batchSize, int maxLength, int padId) {
        return new BatchOptions(batchSize, maxLength, false, false, false, padId, 0);
    }

    public BatchOptions withPacking(boolean value) {
        return new BatchOptions(batchSize, maxLength, value, groupByLength, shuffle, padId, seed);
    }

    public BatchOptions withGroupByLength(boolean value) {
        return new BatchOptions(batchSize, maxLength, packing, value, shuffle, padId, seed);
    }
}
