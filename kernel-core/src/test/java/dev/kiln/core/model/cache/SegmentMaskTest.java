package dev.kiln.core.model.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tensor.TensorScope;
import dev.kiln.core.tensor.TensorEngine;
import dev.kiln.hal.tck.reference.ReferenceDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The padding/segment/window mask every family shares ({@link MaskStrategy#segmentMask}),
 * against masks written out by hand from its rule: query i of row b, at position past + i, sees
 * key j only when both hold the same segment id > 0 and j lies inside the window.
 */
class SegmentMaskTest {

    private static final float X = Float.NEGATIVE_INFINITY;

    private final TensorOps ops = new TensorEngine().on(new ReferenceDevice());
    private TensorScope scope;

    @BeforeEach
    void open() {
        scope = ops.scope();
    }

    @AfterEach
    void close() {
        scope.close();
    }

    @Test
    void nothingBlockedGivesNoMask() {
        assertNull(MaskStrategy.segmentMask("fam", ops, null, 2, 3, 0, 0), "no mask, no window");
        assertNull(MaskStrategy.segmentMask("fam", ops, ids(2, 1, 1, 1, 3, 3, 3), 2, 3, 0, 0),
                "each row one segment without padding");
        assertNull(MaskStrategy.segmentMask("fam", ops, null, 1, 3, 0, 4),
                "a window longer than the keys");
    }

    @Test
    void paddedKeysAreBlockedForEveryQuery() {
        Tensor mask = MaskStrategy.segmentMask("fam", ops, ids(1, 0, 1, 1), 1, 3, 0, 0);
        assertEquals(Shape.of(1, 3, 3), mask.shape());
        assertArrayEquals(new float[] {
            X, X, X, // a padding query sees nothing
            X, 0, 0,
            X, 0, 0}, mask.toFloatArray());
    }

    @Test
    void packedSegmentsSeeOnlyThemselves() {
        Tensor mask = MaskStrategy.segmentMask("fam", ops, ids(1, 1, 1, 2, 2), 1, 4, 0, 0);
        assertArrayEquals(new float[] {
            0, 0, X, X,
            0, 0, X, X,
            X, X, 0, 0,
            X, X, 0, 0}, mask.toFloatArray());
    }

    @Test
    void queriesAfterACacheAreMatchedAgainstTheirOwnPositions() {
        // past 2, seq 1: the query is at position 2, segment 2, in both rows
        Tensor mask = MaskStrategy.segmentMask("fam", ops, ids(2, 1, 2, 2, 0, 2, 2), 2, 1, 2, 0);
        assertEquals(Shape.of(2, 1, 3), mask.shape());
        assertArrayEquals(new float[] {X, 0, 0, X, 0, 0}, mask.toFloatArray());
    }

    @Test
    void theWindowBlocksKeysTooFarBehindAndCombinesWithSegments() {
        assertArrayEquals(new float[] {
            0, 0, 0, 0,
            0, 0, 0, 0,
            X, 0, 0, 0,
            X, X, 0, 0}, MaskStrategy.segmentMask("fam", ops, null, 1, 4, 0, 2).toFloatArray(),
                "window 2 over 4 keys");
        assertArrayEquals(new float[] {
            X, X, X, X,
            X, 0, 0, 0,
            X, 0, 0, 0,
            X, X, 0, 0}, MaskStrategy.segmentMask("fam", ops, ids(1, 0, 1, 1, 1), 1, 4, 0, 2)
                .toFloatArray(), "window 2 and a padded first key");
    }

    @Test
    void theStrategyUsesTheSegmentMaskAtOneLengthAndCausalityWithTheWindowPerRow() {
        MaskStrategy masks = MaskStrategy.segments("fam", 2);
        Tensor attentionMask = ids(1, 1, 2, 2);
        assertArrayEquals(
                MaskStrategy.segmentMask("fam", ops, attentionMask, 1, 2, 1, 2).toFloatArray(),
                masks.sameLength(ops, attentionMask, 1, 2, 1).toFloatArray());
        int[] lengths = {3, 1};
        assertArrayEquals(MaskStrategy.causalPerRow(ops, lengths, 2, 2).toFloatArray(),
                masks.perRow(ops, lengths, 2).toFloatArray());
    }

    @Test
    void masksThatDoNotFitAreRefusedNamingTheFamily() {
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> MaskStrategy.segmentMask("fam", ops, ids(1, 1, 1), 1, 3, 0, 0));
        assertTrue(shape.getMessage().contains(
                "fam: attention mask must be I32 [batch, cache length + seq] = [1, 3], not I32"
                        + " [1, 2]"), shape.getMessage());
        IllegalArgumentException dtype = assertThrows(IllegalArgumentException.class,
                () -> MaskStrategy.segmentMask("fam", ops,
                        ops.tensor(new float[] {1, 1}, Shape.of(1, 2)), 1, 2, 0, 0));
        assertTrue(dtype.getMessage().contains("not F32 [1, 2]"), dtype.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> MaskStrategy.segmentMask("fam", ops, ids(1, 1, -2), 1, 2, 0, 0));
        assertTrue(negative.getMessage().contains("fam: attention mask holds -2 at [0, 1]; it"
                + " must be 0 (padding) or a segment id > 0"), negative.getMessage());
    }

    /** An I32 {@code [batch, n / batch]} mask of the given segment ids. */
    private Tensor ids(int batch, int... segments) {
        return ops.tensor(segments, Shape.of(batch, segments.length / batch));
    }
}
