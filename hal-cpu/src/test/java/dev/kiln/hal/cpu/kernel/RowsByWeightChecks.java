package dev.kiln.hal.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;

/**
 * The checks shared by the tests of the unpacked paths for a few rows of A by a weight stored
 * n x k ({@link Gemv}, {@link SmallBatchGemm}): against the double-precision reference with loose
 * layouts, BF16 weights against their widened F32 values bit for bit, and the thread count.
 */
final class RowsByWeightChecks {

    private RowsByWeightChecks() {}

    /** Every m in [mFrom, mTo] by every n x k, A stored either way, two alpha/beta, one and two threads. */
    static void matchReference(int mFrom, int mTo, int[][] nks, Parallelism twoThreads, Predicate<GemmCall> path) {
        long seed = 1;
        for (int m = mFrom; m <= mTo; m++) {
            for (int[] nk : nks) {
                for (boolean transA : new boolean[] {false, true}) {
                    for (float[] ab : new float[][] {{1f, 0f}, {-0.5f, 2f}}) {
                        for (Parallelism threads : List.of(Parallelism.serial(), twoThreads)) {
                            check(m, nk[0], nk[1], transA, ab[0], ab[1], threads, seed++, path);
                        }
                    }
                }
            }
        }
    }

    /** BF16 weights give, bit for bit, the F32 product of their widened values. */
    static void bf16AsWidenedF32(int mFrom, int mTo, int[][] nks, Parallelism twoThreads) {
        Random random = new Random(3);
        for (int m = mFrom; m <= mTo; m++) {
            for (int[] nk : nks) {
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
                        0.5f, want, 0, n), 0, 0, 0, 1, twoThreads, SgemmTest.SPLIT_ALWAYS);
                Sgemm.run(new GemmCall(m, n, k, 1.5f, new F32Operand(a, 0, k, false), new Bf16Operand(w16, 2, ldb, true),
                        0.5f, got, 0, n), 0, 0, 0, 1, twoThreads, SgemmTest.SPLIT_ALWAYS);
                assertArrayEquals(want, got, m + "x" + n + "x" + k);
            }
        }
    }

    /** m rows by a 1001 x 517 weight on one, two and three threads: the same bits. */
    static void sameBitsOnAnyThreadCount(int m, Parallelism twoThreads) {
        Random random = new Random(4);
        int n = 1001, k = 517;
        float[] a = SgemmTest.randomArray(random, m * k);
        float[] w = SgemmTest.randomArray(random, n * k);
        float[] serial = new float[m * n];
        Sgemm.run(call(m, n, k, a, w, serial), 0, 0, 0, 1, Parallelism.serial(), SgemmTest.SPLIT_ALWAYS);
        try (Parallelism three = Parallelism.fixed(3)) {
            for (Parallelism threads : List.of(twoThreads, three)) {
                float[] parallel = new float[m * n];
                Sgemm.run(call(m, n, k, a, w, parallel), 0, 0, 0, 1, threads, SgemmTest.SPLIT_ALWAYS);
                assertArrayEquals(serial, parallel, threads.threads() + " threads");
            }
        }
    }

    /** An m x n x k product by a transposed weight, on a scratch array x. */
    static GemmCall call(int m, int n, int k, float[] x, boolean transB) {
        return new GemmCall(m, n, k, 1f, new F32Operand(x, 0, k, false), new F32Operand(x, 0, transB ? k : n, transB),
                0f, new float[m * n], 0, n);
    }

    private static GemmCall call(int m, int n, int k, float[] a, float[] w, float[] c) {
        return new GemmCall(m, n, k, 1f, new F32Operand(a, 0, k, false), new F32Operand(w, 0, k, true), 0f, c, 0, n);
    }

    /** One product with loose layouts; C outside its m x n must stay as it was. */
    private static void check(int m, int n, int k, boolean transA, float alpha, float beta, Parallelism threads,
                              long seed, Predicate<GemmCall> path) {
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
        assertTrue(path.test(call), "the path under test takes " + m + "x" + n + "x" + k);
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
