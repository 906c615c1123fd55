package dev.kiln.models.tokenizer;

import java.util.Arrays;

/**
 * A distinct pre-tokenized word while BPE trains: its symbols (token ids), merged in place. A
 * merge reports how the counts of the neighbouring pairs change, as the tokenizers crate's
 * {@code Word::merge} reports them, so that the trainer can keep its pair counts without
 * recounting.
 */
final class TrainingWord {

    /** Receives the change of one pair's count in this word (+1 or -1). */
    interface PairChanges {
        void change(long pair, int delta);
    }

    private int[] symbols;
    private int size;

    TrainingWord(int[] symbols) {
        this.symbols = symbols;
        this.size = symbols.length;
    }

    static long pair(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    static int left(long pair) {
        return (int) (pair >>> 32);
    }

    static int right(long pair) {
        return (int) pair;
    }

    int size() {
        return size;
    }

    int symbol(int i) {
        return symbols[i];
    }

    /**
     * Replaces every non-overlapping occurrence of {@code (left, right)}, scanning from the left,
     * by {@code merged}. For each occurrence the pairs it had with its neighbours lose one and the
     * pairs the merged symbol forms with them gain one; the merged pair itself is not reported
     * (the crate leaves its count as it was).
     */
    void merge(int left, int right, int merged, PairChanges changes) {
        for (int i = 0; i < size; i++) {
            if (symbols[i] != left || i + 1 >= size || symbols[i + 1] != right) {
                continue;
            }
            if (i > 0) {
                changes.change(pair(symbols[i - 1], left), -1);
                changes.change(pair(symbols[i - 1], merged), 1);
            }
            symbols[i] = merged;
            System.arraycopy(symbols, i + 2, symbols, i + 1, size - i - 2);
            size--;
            if (i < size - 1) {
                changes.change(pair(right, symbols[i + 1]), -1);
                changes.change(pair(merged, symbols[i + 1]), 1);
            }
        }
    }

    int[] symbols() {
        return Arrays.copyOf(symbols, size);
    }
}
