package dev.kiln.core.data;

import java.util.Random;

/**
 * The order of an epoch's units: identity, a seeded permutation, or transformers'
 * {@code LengthGroupedSampler} order. A function of the seed and the epoch alone, so a resumed
 * run sees the same order.
 */
final class EpochOrder {

    /** transformers' {@code LengthGroupedSampler}: megabatches of 50 batches. */
    static final int MEGABATCH_FACTOR = 50;

    private EpochOrder() {}

    static int[] of(int[] lengths, BatchOptions options, int epoch) {
        int n = lengths.length;
        if (!options.shuffle() && !options.groupByLength()) {
            int[] identity = new int[n];
            for (int i = 0; i < n; i++) {
                identity[i] = i;
            }
            return identity;
        }
        Random random = new Random(seedFor(options.seed(), epoch));
        int[] order = options.shuffle() ? permutation(n, random) : of(lengths,
                new BatchOptions(options.batchSize(), options.maxLength(), false, false, false, 0, 0), epoch);
        return options.groupByLength() ? groupByLength(order, lengths, options.batchSize()) : order;
    }

    /** A distinct, well-mixed seed per (seed, epoch). */
    static long seedFor(long seed, int epoch) {
        long z = seed + 0x9E3779B97F4A7C15L * (epoch + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Fisher-Yates over {@code 0..n-1}. */
    static int[] permutation(int n, Random random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /**
     * transformers' {@code get_length_grouped_indices}: the shuffled order cut into megabatches of
     * 50 batches, each sorted longest first (stable), and the longest unit of all moved to the very
     * front so a run that runs out of memory does so at once.
     */
    static int[] groupByLength(int[] order, int[] lengths, int batchSize) {
        int megabatch = batchSize * MEGABATCH_FACTOR;
        Integer[] boxed = new Integer[order.length];
        for (int i = 0; i < order.length; i++) {
            boxed[i] = order[i];
        }
        int longestAt = 0;
        for (int from = 0; from < boxed.length; from += megabatch) {
            int to = Math.min(from + megabatch, boxed.length);
            java.util.Arrays.sort(boxed, from, to, (a, b) -> Integer.compare(lengths[b], lengths[a]));
            if (lengths[boxed[from]] > lengths[boxed[longestAt]]) {
                longestAt = from;
            }
        }
        Integer t = boxed[0];
        boxed[0] = boxed[longestAt];
        boxed[longestAt] = t;
        int[] out = new int[boxed.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = boxed[i];
        }
        return out;
    }
}
