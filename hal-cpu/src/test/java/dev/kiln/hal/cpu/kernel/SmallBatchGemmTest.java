package dev.kiln.hal.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    void eachTileOutputIsTheBitsOfItsDotAlone() {
        java.util.Random random = new java.util.Random(5);
        for (int k : new int[] {1, 16, 100, 768}) {
            float[] a = SgemmTest.randomArray(random, 4 * k + 3);
            float[] w = SgemmTest.randomArray(random, 4 * (k + 2) + 1);
            short[] w16 = new short[w.length];
            for (int i = 0; i < w.length; i++) {
                w16[i] = (short) (Float.floatToRawIntBits(w[i]) >>> 16);
            }
            for (GemmOperand weight : new GemmOperand[] {new F32Operand(w, 1, k + 2, true), new Bf16Operand(w16, 1, k + 2, true)}) {
                float[] tile = new float[16 * MicroKernel.SPECIES.length()];
                weight.dots4x4(a, 3, k, 1, k + 2, k, tile);
                for (int o = 0; o < 16; o++) {
                    float alone = weight.dotOneSum(a, 3 + (o / 4) * k, 1 + (o % 4) * (k + 2), k);
                    assertEquals(Float.floatToRawIntBits(alone), Float.floatToRawIntBits(tile[o]), "k " + k + ", output " + o);
                }
            }
        }
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
