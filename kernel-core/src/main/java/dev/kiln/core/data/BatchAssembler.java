package dev.kiln.core.data;

import java.util.Arrays;
import java.util.List;

/**
 * Lays rows of samples out as a {@link Batch}: right padding to the longest row, a segment id per
 * sample (1, 2, ... along a row), positions from 0 in each segment, and when packed no label on
 * a segment's first token.
 */
final class BatchAssembler {

    private BatchAssembler() {}

    static Batch assemble(List<List<EncodedSample>> rows, boolean packed, int padId) {
        int seq = 0;
        int samples = 0;
        for (List<EncodedSample> row : rows) {
            int length = 0;
            for (EncodedSample s : row) {
                length += s.length();
            }
            seq = Math.max(seq, length);
            samples += row.size();
        }
        int n = rows.size() * seq;
        int[] ids = new int[n];
        int[] positions = new int[n];
        int[] mask = new int[n];
        int[] labels = new int[n];
        Arrays.fill(ids, padId);
        Arrays.fill(labels, EncodedSample.IGNORE_INDEX);
        int trainable = 0;
        for (int r = 0; r < rows.size(); r++) {
            int at = r * seq;
            int segment = 0;
            for (EncodedSample s : rows.get(r)) {
                segment++;
                System.arraycopy(s.inputIds(), 0, ids, at, s.length());
                System.arraycopy(s.labels(), 0, labels, at, s.length());
                if (packed) {
                    labels[at] = EncodedSample.IGNORE_INDEX;
                }
                for (int t = 0; t < s.length(); t++) {
                    positions[at + t] = t;
                    mask[at + t] = segment;
                }
                at += s.length();
            }
            for (int t = r * seq + 1; t < at; t++) {
                if (labels[t] != EncodedSample.IGNORE_INDEX) {
                    trainable++;
                }
            }
        }
        return new Batch(rows.size(), seq, ids, positions, mask, labels, samples, trainable);
    }
}
