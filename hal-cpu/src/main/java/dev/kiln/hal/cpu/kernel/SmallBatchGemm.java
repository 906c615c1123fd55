package dev.kiln.hal.cpu.kernel;

/**
 * The product of a small batch of rows with a linear layer's weight, {@code C = alpha * A Wᵀ +
 * beta * C} with op(A) m x k for {@link Gemv#MAX_ROWS} &lt; m &lt;= {@link #MAX_ROWS} and W stored
 * n x k: decoding several sequences at once (a server's continuous batch, batched inference).
 * The packed kernel would copy the whole weight into panels for a handful of rows, which cost
 * as much as the product; here tiles of 4 rows of A by 4 rows of W are dotted straight from
 * where they are, sixteen vector sums in registers, so every weight vector loaded serves four
 * rows of A and every vector of A four rows of W. The threads split W's rows.
 *
 * <p>Each element of C is one vector sum over k, its lanes added in a fixed tree, then the
 * scalar tail ({@link GemmOperand#dotOneSum}), whichever tile or edge computed it: results do not
 * depend on the thread count.
 */
final class SmallBatchGemm {

    /**
     * The most rows of A this path takes; beyond, packing pays for itself (2304 x 768 weight,
     * against the packed kernel: 8 rows 2.3-2.9x, 16 rows 1.3-1.8x, 24 rows 0.9-1.3x, 32 rows
     * 0.9-1.1x, 48 rows 0.7-0.8x; BF16 gains more than F32).
     */
    static final int MAX_ROWS = 16;
    /** Rows of W a thread claims at a time. */
    private static final int ROWS_PER_BLOCK = 64;

    private SmallBatchGemm() {}

    /** Whether {@code call} is a product this path runs. */
    static boolean takes(GemmCall call) {
        return call.m() > Gemv.MAX_ROWS && call.m() <= MAX_ROWS && call.b().transposed();
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
        // Products too small for the threads run serially: C2 may inline the block into this
        // method there, a copy Gemv has seen compiled without its vector intrinsics, so
        // serving's products (at least 4 x 768 x 768 = 2.4M multiply-adds) take the threaded one.
        if ((long) n * k * m >= tuning.minMacsPerBlock()) {
            parallelism.forEach(blocks, b -> rowsOfW(w, rows, m, k, bOff, ldw, beta, c, cOff, ldc,
                    b * ROWS_PER_BLOCK, Math.min(n, (b + 1) * ROWS_PER_BLOCK)));
        } else {
            rowsOfW(w, rows, m, k, bOff, ldw, beta, c, cOff, ldc, 0, n);
        }
    }

    /** C's columns [j0, j1): rows j0 to j1 - 1 of W against the m rows of A. */
    private static void rowsOfW(GemmOperand w, float[] rows, int m, int k, int bOff, int ldw, float beta,
                                float[] c, int cOff, int ldc, int j0, int j1) {
        float[] tile = new float[16 * MicroKernel.SPECIES.length()];
        int jTiles = j0 + (j1 - j0) / 4 * 4;
        int i = 0;
        // Four rows of A at a time against the block's weight rows: those four rows stay in
        // L1 while the block's weight (64 rows) streams from L2.
        for (; i + 4 <= m; i += 4) {
            for (int j = j0; j < jTiles; j += 4) {
                w.dots4x4(rows, i * k, k, bOff + j * ldw, ldw, k, tile);
                for (int ii = 0; ii < 4; ii++) {
                    for (int jj = 0; jj < 4; jj++) {
                        store(c, cOff + (i + ii) * ldc + j + jj, tile[4 * ii + jj], beta);
                    }
                }
            }
        }
        for (int j = j0; j < j1; j++) {
            for (int r = j < jTiles ? i : 0; r < m; r++) {
                store(c, cOff + r * ldc + j, w.dotOneSum(rows, r * k, bOff + j * ldw, k), beta);
            }
        }
    }

    private static void store(float[] c, int at, float dot, float beta) {
        c[at] = beta == 0f ? dot : dot + beta * c[at];
    }
}
