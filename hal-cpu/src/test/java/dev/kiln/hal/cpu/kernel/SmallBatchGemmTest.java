package dev.kiln.hal.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The unpacked 4 x 4-tile path for a small batch of rows by a weight stored n x k: against the
 * double-precision reference for every row count it takes (tiles of 4 rows with a remainder),
 * odd n and k (vector tails, tiles of 4 weight rows with a remainder, more than one thread's
 * block of 64 rows), A stored either way, alpha and beta; BF16 weights give the F32 result of
 * their widened values bit for bit; the thread count changes no bit.
 */
class SmallBatchGemmTest {

    private static final Parallelism TWO_THREADS = Parallelism.fixed(2);
    private static final int[][] N_K = {{1, 1}, {4, 16}, {7, 17}, {67, 100}, {131, 257}};

    @AfterAll
    static void stopThreads() {
        TWO_THREADS.close();
    }

    @Test
    void takesASmallBatchOfRowsByATransposedWeight() {
        float[] x = new float[64];
        assertFalse(SmallBatchGemm.takes(RowsByWeightChecks.call(Gemv.MAX_ROWS, 2, 2, x, true)), "fewer rows are the GEMV's");
        assertTrue(SmallBatchGemm.takes(RowsByWeightChecks.call(Gemv.MAX_ROWS + 1, 2, 2, x, true)));
        assertTrue(SmallBatchGemm.takes(RowsByWeightChecks.call(SmallBatchGemm.MAX_ROWS, 2, 2, x, true)));
        assertFalse(SmallBatchGemm.takes(RowsByWeightChecks.call(SmallBatchGemm.MAX_ROWS + 1, 2, 2, x, true)));
        assertFalse(SmallBatchGemm.takes(RowsByWeightChecks.call(8, 2, 2, x, false)));
    }

    @Test
    void matchesTheReference() {
        RowsByWeightChecks.matchReference(Gemv.MAX_ROWS + 1, SmallBatchGemm.MAX_ROWS, N_K, TWO_THREADS, SmallBatchGemm::takes);
    }

    @Test
    void bf16WeightsGiveTheF32ResultOfTheirWidenedValuesBitForBit() {
        RowsByWeightChecks.bf16AsWidenedF32(Gemv.MAX_ROWS + 1, SmallBatchGemm.MAX_ROWS, N_K, TWO_THREADS);
    }

    @Test
    void theThreadCountDoesNotChangeABit() {
        RowsByWeightChecks.sameBitsOnAnyThreadCount(13, TWO_THREADS);
    }
}
