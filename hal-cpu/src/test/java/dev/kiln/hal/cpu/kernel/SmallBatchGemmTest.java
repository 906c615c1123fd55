package dev.kiln.hal.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
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
        assertFalse(SmallBatchGemm.takes(call(Gemv.MAX_ROWS, 2, 2, x, true)), "fewer rows are the GEMV's");
        assertTrue(SmallBatchGemm.takes(call(Gemv.MAX_ROWS + 1, 2, 2, x, true)));
        assertTrue(SmallBatchGemm.takes(call(SmallBatchGemm.MAX_ROWS, 2, 2, x, true)));
        assertFalse(SmallBatchGemm.takes(call(SmallBatchGemm.MAX_ROWS + 1, 2, 2, x, true)));
        assertFalse(SmallBatchGemm.takes(call(8, 2, 2, x, false)));
    }

    @Test
    void matchesTheReference() {
        long seed = 1;
        for (int m = Gemv.MAX_ROWS + 1; m <= SmallBatchGemm.MAX_ROWS; m++) {
            for (int[] nk : N_K) {
                for (boolean transA : new boolean[] {false, true}) {
                    for (float[] ab : new float[][] {{1f, 0f}, {-0.5f, 2f}}) {
                        for (Parallelism threads : List.of(Parallelism.serial(), TWO_THREADS)) {
                            check(m, nk[0], nk[1], transA, ab[0], ab[1], threads, seed++);
                        }
                    }
                }
            }
        }
    }

    @Test
    void bf16WeightsGiveTheF32ResultOfTheirWidenedValuesBitForBit() {
        Random random = new Random(3);
        for (int m = Gemv.MAX_ROWS + 1; m <= SmallBatchGemm.MAX_ROWS; m++) {
            for (int[] nk : N_K) {
                int n = nk[0], k = nk[1], ldb = k + 3;
                float[] a = SgemmTest.randomArray(random, m * k);
                short[] w16 = new short[2 + n * ldb];
                float[] w32 = new float[w16.length];
                for (int i = 0; i < w16.length; i++) {
                    w16[i] = (short) (Float.floatToRawIntBits(random.nextFloat() * 2 - 1) >>> 16);
                    w32[i] = Bf16Operand.toFloat(w16[i]);
                }
                float[] want = SgemmTest.randomArray(random, m * n);
                float[] got = want.clone();
                Sgemm.run(new GemmCall(m, n, k, 1.5f, new F32Operand(a, 0, k, false), new F32Operand(w32, 2, ldb, true),
                        0.5f, want, 0, n), 0, 0, 0, 1, TWO_THREADS, SgemmTest.SPLIT_ALWAYS);
                Sgemm.run(new GemmCall(m, n, k, 1.5f, new F32Operand(a, 0, k, false), new Bf16Operand(w16, 2, ldb, true),
                        0.5f, got, 0, n), 0, 0, 0, 1, TWO_THREADS, SgemmTest.SPLIT_ALWAYS);
                assertArrayEquals(want, got, m + "x" + n + "x" + k);
            }
        }
    }

    @Test
    void theThreadCountDoesNotChangeABit() {
        Random random = new Random(4);
        int m = 13, n = 1001, k = 517;
        float[] a = SgemmTest.randomArray(random, m * k);
        float[] w = SgemmTest.randomArray(random, n * k);
        float[] serial = new float[m * n];
        Sgemm.run(call(m, n, k, a, w, serial), 0, 0, 0, 1, Parallelism.serial(), SgemmTest.SPLIT_ALWAYS);
        try (Parallelism three = Parallelism.fixed(3)) {
            for (Parallelism threads : List.of(TWO_THREADS, three)) {
                float[] parallel = new float[m * n];
                Sgemm.run(call(m, n, k, a, w, parallel), 0, 0, 0, 1, threads, SgemmTest.SPLIT_ALWAYS);
                assertArrayEquals(serial, parallel, threads.threads() + " threads");
            }
        }
    }

    private static GemmCall call(int m, int n, int k, float[] x, boolean transB) {
        return new GemmCall(m, n, k, 1f, new F32Operand(x, 0, k, false), new F32Operand(x, 0, transB ? k : n, transB),
                0f, new float[m * n], 0, n);
    }

    private static GemmCall call(int m, int n, int k, float[] a, float[] w, float[] c) {
        return new GemmCall(m, n, k, 1f, new F32Operand(a, 0, k, false), new F32Operand(w, 0, k, true), 0f, c, 0, n);
    }

    /** One product with loose layouts; C outside its m x n must stay as it was. */
    private static void check(int m, int n, int k, boolean transA, float alpha, float beta, Parallelism threads,
                              long seed) {
        Random random = new Random(seed);
        int lda = (transA ? m : k) + 2, ldb = k + 1, ldc = n + 3, off = 5;
        float[] a = SgemmTest.randomArray(random, off + (transA ? k : m) * lda);
        float[] b = SgemmTest.randomArray(random, off + n * ldb);
        float[] c = SgemmTest.randomArray(random, off + m * ldc + 2);
        if (beta == 0f) {
            Arrays.fill(c, off, off + m * ldc, Float.NaN); // must not be read
        }
        float[] before = c.clone();
        GemmCall call = new GemmCall(m, n, k, alpha, new F32Operand(a, off, lda, transA),
                new F32Operand(b, off, ldb, true), beta, c, off, ldc);
        assertTrue(SmallBatchGemm.takes(call));
        Sgemm.run(call, 0, 0, 0, 1, threads, SgemmTest.SPLIT_ALWAYS);
        double[] want = ReferenceGemm.multiply(transA, true, m, n, k, alpha, a, off, lda, b, off, ldb, beta, before,
                off, ldc);
        double[] tolerance = ReferenceGemm.tolerance(transA, true, m, n, k, alpha, a, off, lda, b, off, ldb, beta,
                before, off, ldc);
        String what = m + "x" + n + "x" + k + (transA ? " TT" : " NT") + " alpha=" + alpha + " beta=" + beta
                + " threads=" + threads.threads();
        for (int x = 0; x < c.length; x++) {
            int i = Math.floorDiv(x - off, ldc), j = Math.floorMod(x - off, ldc);
            if (x >= off && i < m && j < n) {
                if (!(Math.abs(c[x] - want[i * n + j]) <= tolerance[i * n + j])) {
                    fail(what + ": C[" + i + "][" + j + "] is " + c[x] + ", want " + want[i * n + j]);
                }
            } else if (Float.floatToRawIntBits(c[x]) != Float.floatToRawIntBits(before[x])) {
                fail(what + ": element " + x + " outside C changed");
            }
        }
    }
}
