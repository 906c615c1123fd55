package dev.kiln.core.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * Packs samples into rows of at most {@code capacity} tokens, best fit decreasing: longest sample
 * first (ties by index), each into the fullest row it still fits in. Deterministic; rows come out
 * in the order they were opened, their samples in the order they were placed.
 */
final class Packing {

    private Packing() {}

    static List<int[]> bestFitDecreasing(int[] lengths, int capacity) {
        Integer[] bySize = new Integer[lengths.length];
        for (int i = 0; i < bySize.length; i++) {
            bySize[i] = i;
        }
        Arrays.sort(bySize, (a, b) -> lengths[a] != lengths[b] ? Integer.compare(lengths[b], lengths[a])
                : Integer.compare(a, b));
        List<List<Integer>> rows = new ArrayList<>();
        List<Integer> free = new ArrayList<>();
        // Free space -> the rows with that much room, oldest first.
        TreeMap<Integer, ArrayList<Integer>> byRoom = new TreeMap<>();
        for (int sample : bySize) {
            int length = lengths[sample];
            var fit = byRoom.ceilingEntry(length);
            int row;
            if (fit == null) {
                row = rows.size();
                rows.add(new ArrayList<>());
                free.add(capacity);
            } else {
                row = fit.getValue().removeFirst();
                if (fit.getValue().isEmpty()) {
                    byRoom.remove(fit.getKey());
                }
            }
            rows.get(row).add(sample);
            int room = free.get(row) - length;
            free.set(row, room);
            if (room > 0) {
                byRoom.computeIfAbsent(room, k -> new ArrayList<>()).add(row);
                byRoom.get(room).sort(Integer::compare);
            }
        }
        List<int[]> out = new ArrayList<>(rows.size());
        for (List<Integer> row : rows) {
            out.add(row.stream().mapToInt(Integer::intValue).toArray());
        }
        return out;
    }
}
