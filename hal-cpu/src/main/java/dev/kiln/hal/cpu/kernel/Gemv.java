package dev.kiln.hal.cpu.kernel;

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
    /**
     * Multiply-adds below which a product stays on the calling thread. Far below SGEMM's
     * threshold: a 768 x 768 weight reads faster on two threads than on one, now that the pool's
     * helpers spin between calls instead of waking for each.
     */
    private static final long MIN_MACS_FOR_THREADS = 1L << 17;
    /**
     * Blocks each thread gets: few and long, so each is one stream the prefetcher follows for a
     * while (64-row blocks read ~15% slower), enough to even out a helper that starts late.
     */
    private static final int BLOCKS_PER_THREAD = 4;
    private static final int MIN_ROWS_PER_BLOCK = 16;

    private Gemv() {}

    /** Whether {@code call} is a product this path runs. */
    static boolean takes(GemmCall call) {
        return call.m() <= MAX_ROWS && call.b().transposed();
    }

    /** One product of {@code call}: A at {@code aOff}, W at {@code bOff}, C at {@code cOff}. */
    static void multiply(GemmCall call, int aOff, int bOff, int cOff, Parallelism parallelism) {
        int m = call.m(), n = call.n(), k = call.k();
        float[] rows = call.a().rowsTimes(call.alpha(), aOff, m, k);
        GemmOperand w = call.b();
        int ldw = w.ld();
        float beta = call.beta();
        float[] c = call.c();
        int ldc = call.ldc();
        // Decoding's products always take the threaded branch. The serial one is for products
        // too small to matter: C2 inlines the block into this method there, and that copy of the
        // vector loop has been seen to compile without its intrinsics (10x slower).
        if ((long) n * k * m < MIN_MACS_FOR_THREADS || parallelism.threads() == 1) {
            rowsOfW(w, rows, m, k, bOff, ldw, beta, c, cOff, ldc, 0, n);
            return;
        }
        int blocks = Math.max(1, Math.min(parallelism.threads() * BLOCKS_PER_THREAD, n / MIN_ROWS_PER_BLOCK));
        parallelism.forEach(blocks, b -> rowsOfW(w, rows, m, k, bOff, ldw, beta, c, cOff, ldc,
                (int) ((long) n * b / blocks), (int) ((long) n * (b + 1) / blocks)));
    }

    /** C's columns [j0, j1): rows j0 to j1 - 1 of W, each dotted with the m rows of A. */
    private static void rowsOfW(GemmOperand w, float[] rows, int m, int k, int bOff, int ldw, float beta,
                                float[] c, int cOff, int ldc, int j0, int j1) {
        if (m == 1 && beta == 0f) { // decoding: a simpler loop the JIT compiles better (~15%)
            for (int j = j0; j < j1; j++) {
                c[cOff + j] = w.dot(rows, 0, bOff + j * ldw, k);
            }
            return;
        }
        for (int j = j0; j < j1; j++) {
            for (int i = 0; i < m; i++) {
                float dot = w.dot(rows, i * k, bOff + j * ldw, k);
                int at = cOff + i * ldc + j;
                c[at] = beta == 0f ? dot : dot + beta * c[at];
            }
        }
    }
}
