package dev.kiln.core.data;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Random;

/** {@code #N} and the validation split, as ms-swift's {@code sample_dataset} and split do them. */
final class RowSampling {

    private RowSampling() {}

    /**
     * N rows of {@code rows}: the whole dataset as many times as it fits in N, then a random
     * subset of the remainder (drawn with {@code random}); all rows when N is absent.
     */
    static <T> List<T> draw(List<T> rows, OptionalInt count, Random random) {
        if (count.isEmpty()) {
            return rows;
        }
        int n = count.getAsInt();
        int size = rows.size();
        List<T> out = new ArrayList<>(n);
        for (int r = 0; r < n / size; r++) {
            out.addAll(rows);
        }
        int remainder = n % size;
        if (remainder > 0) {
            int[] permutation = EpochOrder.permutation(size, random);
            for (int i = 0; i < remainder; i++) {
                out.add(rows.get(permutation[i]));
            }
        }
        return out;
    }

    /** Rows moved to validation: {@code max(floor(size * ratio), 1)} when the ratio is above 0. */
    static int validationCount(int size, double ratio) {
        if (ratio <= 0 || size < 2) {
            return 0;
        }
        return Math.min(Math.max((int) Math.floor(size * ratio), 1), size - 1);
    }

    static <T> List<T> shuffled(List<T> rows, Random random) {
        int[] permutation = EpochOrder.permutation(rows.size(), random);
        List<T> out = new ArrayList<>(rows.size());
        for (int i : permutation) {
            out.add(rows.get(i));
        }
        return out;
    }
}
