package dev.kiln.hal.cpu.kernel;

import java.util.function.IntConsumer;

/**
 * The product of a few rows of activations with a linear layer's weight, {@code C = alpha * A Wᵀ
 * + beta * C} with op(A) m x k for m up to {@link #MAX_ROWS} and W stored n x k (op(B) = Wᵀ):
 * decoding, where a GEMM is bound by reading the weight once, not by arithmetic. Packing would
 * copy the whole weight for a handful of rows, so this path packs nothing: the threads split W's
 * rows (C's columns) between them and stream each row once from memory, dotting it in vector
 * registers with the m rows of A, which stay in L1. BF16 weights are widened in registers (a
 * 16-bit shift), so they cost half the bytes of F32.
 *
 * <p>Each element of C is summed by one thread in an order fixed by k alone (lanes added in a
 * fixed tree, never by {@code reduceLanes}), so results do not depend on the thread count or on
 * whether the JIT has compiled the loop yet; a BF16 weight gives, bit for bit, the F32 result of
 * its widened values.
 */
final class Gemv {

    /**
     * The most rows of A this path takes: from 4 rows on, {@link SmallBatchGemm}'s 4 x 4 tiles
     * are faster (4 rows: 1.4x; 2 and 3 rows would leave its tiles empty).
     */
    static final int MAX_ROWS = 3;
    /** Rows of W a thread claims at a time: enough to keep the claiming rare, few enough to balance. */
    private static final int ROWS_PER_BLOCK = 64;

    private Gemv() {}

    /** Whether {@code call} is a product this path runs. */
    static boolean takes(GemmCall call) {
        return call.m() <= MAX_ROWS && call.b().transposed();
    }

    /** One product of {@code call}: A at {@code aOff}, W at {@code bOff}, C at {@code cOff}. */
    static void multiply(GemmCall call, int aOff, int bOff, int cOff, Parallelism parallelism, GemmTuning tuning) {
        int m = call.m(), n = call.n(), k = call.k();
        float[] rows = call.a().rowsTimes(call.alpha(), aOff, m, k);
        GemmOperand w = call.b();
        int ldw = w.ld();
        float beta = call.beta();
        float[] c = call.c();
        int ldc = call.ldc();
        int blocks = (n + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK;
        boolean worthThreads = (long) n * k * m >= tuning.minMacsPerBlock();
        IntConsumer block = b -> {
            int j0 = b * ROWS_PER_BLOCK;
            int j1 = Math.min(n, j0 + ROWS_PER_BLOCK);
            for (int j = j0; j < j1; j++) {
                for (int i = 0; i < m; i++) {
                    float dot = w.dot(rows, i * k, bOff + j * ldw, k);
                    int at = cOff + i * ldc + j;
                    c[at] = beta == 0f ? dot : dot + beta * c[at];
                }
            }
        };
        if (worthThreads) {
            parallelism.forEach(blocks, block);
        } else {
            for (int b = 0; b < blocks; b++) {
                block.accept(b);
            }
        }
    }
}
