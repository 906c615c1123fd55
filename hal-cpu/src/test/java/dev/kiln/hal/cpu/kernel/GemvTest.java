package dev.kiln.hal.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The unpacked path for a few rows of A by a weight stored n x k: against the double-precision
 * reference for every row count it takes, odd n and k (vector tails, row groups of 4 with a
 * remainder), A stored either way, alpha and beta; BF16 weights give the F32 result of their
 * widened values bit for bit; the thread count changes no bit.
 */
class GemvTest {

    private static final Parallelism TWO_THREADS = Parallelism.fixed(2);
    private static final int[][] N_K = {{1, 1}, {3, 15}, {4, 16}, {5, 17}, {67, 100}, {131, 257}, {200, 33},
            {600, 300}}; // the last one large enough to be spread over threads

    @AfterAll
    static void stopThreads() {
        TWO_THREADS.close();
    }

    @Test
    void takesOnlyAFewRowsByATransposedWeight() {
        float[] x = new float[64];
        assertTrue(Gemv.takes(RowsByWeightChecks.call(Gemv.MAX_ROWS, 2, 2, x, true)));
        assertFalse(Gemv.takes(RowsByWeightChecks.call(Gemv.MAX_ROWS + 1, 2, 2, x, true)));
        assertFalse(Gemv.takes(RowsByWeightChecks.call(1, 2, 2, x, false)));
    }

    @Test
    void matchesTheReference() {
        RowsByWeightChecks.matchReference(1, Gemv.MAX_ROWS, N_K, TWO_THREADS, Gemv::takes);
    }

    @Test
    void bf16WeightsGiveTheF32ResultOfTheirWidenedValuesBitForBit() {
        RowsByWeightChecks.bf16AsWidenedF32(1, Gemv.MAX_ROWS, N_K, TWO_THREADS);
    }

    @Test
    void theThreadCountDoesNotChangeABit() {
        RowsByWeightChecks.sameBitsOnAnyThreadCount(3, TWO_THREADS);
    }
}
