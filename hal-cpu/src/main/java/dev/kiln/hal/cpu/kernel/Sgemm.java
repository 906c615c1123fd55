package dev.kiln.hal.cpu.kernel;

import java.util.Objects;

/**
 * Single-precision matrix multiply with BLAS semantics on row-major matrices:
 * {@code C = alpha * op(A) * op(B) + beta * C}, where op(X) is X or its transpose, op(A) is
 * m x k, op(B) is k x n and C is m x n. Element (i, j) of a matrix X stored at offset
 * {@code xOff} with leading dimension {@code ldx} is {@code x[xOff + i * ldx + j]}.
 *
 * <p>As in BLAS: with beta 0, C is not read (NaN or garbage in it is overwritten); with alpha 0
 * or k 0, A and B are not read and C is only scaled by beta. Inputs may alias each other but not
 * C, and the products of a batch must not write the same elements of C.
 *
 * <p>A and B may be stored as float32 ({@code float[]}) or as bfloat16 ({@code short[]} holding
 * the upper 16 bits of a float32, the layout of bf16 model weights): bfloat16 is widened to
 * float32 exactly as it is packed, and everything after that is the float32 path, so a bf16
 * product equals, bit for bit, the float32 product of the widened inputs. C is always float32.
 *
 * <p>Three paths: up to {@link Gemv#MAX_ROWS} rows of op(A) by a B stored transposed (a linear
 * layer's weight while decoding) stream the weight once without packing ({@link Gemv}); up to
 * {@link SmallBatchGemm#MAX_ROWS} rows take 4 x 4 tiles of dots, still unpacked
 * ({@link SmallBatchGemm}); every other product packs blocks of A and B for the register-blocked
 * kernel ({@link BlockedSgemm}).
 *
 * <p>Results are deterministic: each element of C is summed by one thread in a fixed order,
 * which depends on k but not on the thread count or the schedule, so the same inputs give
 * bit-identical outputs on the same machine (the same vector width) whatever the threads.
 */
public final class Sgemm {

    private Sgemm() {}

    /** One product of float32 matrices, spread over {@code parallelism}'s threads. */
    public static void multiply(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                float beta, float[] c, int cOff, int ldc, Parallelism parallelism) {
        multiplyBatched(transA, transB, m, n, k, alpha, a, aOff, lda, 0, b, bOff, ldb, 0,
                beta, c, cOff, ldc, 0, 1, parallelism);
    }

    /** One product of bfloat16 matrices, summed in float32. */
    public static void multiply(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                short[] a, int aOff, int lda, short[] b, int bOff, int ldb,
                                float beta, float[] c, int cOff, int ldc, Parallelism parallelism) {
        run(new GemmCall(m, n, k, alpha, new Bf16Operand(a, aOff, lda, transA), new Bf16Operand(b, bOff, ldb, transB),
                beta, c, cOff, ldc), 0, 0, 0, 1, parallelism, GemmTuning.DEFAULT);
    }

    /** One product of a float32 A (activations) and a bfloat16 B (weights), summed in float32. */
    public static void multiply(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                float[] a, int aOff, int lda, short[] b, int bOff, int ldb,
                                float beta, float[] c, int cOff, int ldc, Parallelism parallelism) {
        run(new GemmCall(m, n, k, alpha, new F32Operand(a, aOff, lda, transA), new Bf16Operand(b, bOff, ldb, transB),
                beta, c, cOff, ldc), 0, 0, 0, 1, parallelism, GemmTuning.DEFAULT);
    }

    /**
     * {@code batchCount} products of float32 matrices of the same shape, product t reading A at
     * {@code aOff + t * strideA}, B at {@code bOff + t * strideB} and writing C at
     * {@code cOff + t * strideC}. A stride of 0 reuses one matrix for every product (only for
     * A or B: the products must write disjoint parts of C).
     */
    public static void multiplyBatched(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                       float[] a, int aOff, int lda, int strideA,
                                       float[] b, int bOff, int ldb, int strideB,
                                       float beta, float[] c, int cOff, int ldc, int strideC,
                                       int batchCount, Parallelism parallelism) {
        run(new GemmCall(m, n, k, alpha, new F32Operand(a, aOff, lda, transA), new F32Operand(b, bOff, ldb, transB),
                beta, c, cOff, ldc), strideA, strideB, strideC, batchCount, parallelism, GemmTuning.DEFAULT);
    }

    /** Every public entry point ends here; tests call it with their own tuning. */
    static void run(GemmCall call, int strideA, int strideB, int strideC, int batchCount,
                    Parallelism parallelism, GemmTuning tuning) {
        Objects.requireNonNull(parallelism, "parallelism");
        checkArguments(call, strideA, strideB, strideC, batchCount);
        if (call.m() == 0 || call.n() == 0 || batchCount == 0) {
            return;
        }
        if (call.k() == 0 || call.alpha() == 0f) {
            for (int t = 0; t < batchCount; t++) {
                scale(call.beta(), call.c(), call.cOff() + t * strideC, call.m(), call.n(), call.ldc());
            }
            return;
        }
        if (Gemv.takes(call)) {
            for (int t = 0; t < batchCount; t++) {
                Gemv.multiply(call, call.a().offset() + t * strideA, call.b().offset() + t * strideB,
                        call.cOff() + t * strideC, parallelism);
            }
            return;
        }
        if (SmallBatchGemm.takes(call)) {
            for (int t = 0; t < batchCount; t++) {
                SmallBatchGemm.multiply(call, call.a().offset() + t * strideA, call.b().offset() + t * strideB,
                        call.cOff() + t * strideC, parallelism, tuning);
            }
            return;
        }
        long macs = call.macs() * batchCount;
        int threadsWorthUsing = (int) Math.max(1, Math.min(parallelism.threads(), macs / tuning.minMacsPerBlock()));
        int blocksPerProduct = (threadsWorthUsing + batchCount - 1) / batchCount;
        TileGrid grid = TileGrid.forBlocks(call.m(), call.n(), blocksPerProduct);
        parallelism.forEach(batchCount * grid.blocks(), task -> {
            int t = task / grid.blocks();
            int block = task % grid.blocks();
            BlockedSgemm.computeBlock(call,
                    call.a().offset() + t * strideA, call.b().offset() + t * strideB, call.cOff() + t * strideC,
                    grid.rowStart(block), grid.rowEnd(block), grid.colStart(block), grid.colEnd(block),
                    tuning);
        });
    }

    /** C = beta * C, or C = 0 without reading it when beta is 0. */
    private static void scale(float beta, float[] c, int cOff, int m, int n, int ldc) {
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            for (int j = row; j < row + n; j++) {
                c[j] = beta == 0f ? 0f : beta * c[j];
            }
        }
    }

    private static void checkArguments(GemmCall call, int strideA, int strideB, int strideC, int batchCount) {
        int m = call.m(), n = call.n(), k = call.k();
        if (m < 0 || n < 0 || k < 0 || batchCount < 0) {
            throw new IllegalArgumentException("negative size: m=" + m + " n=" + n + " k=" + k
                    + " batchCount=" + batchCount);
        }
        if (strideA < 0 || strideB < 0 || strideC < 0) {
            throw new IllegalArgumentException("negative stride: " + strideA + ", " + strideB + ", " + strideC);
        }
        GemmOperand a = call.a(), b = call.b();
        checkMatrix("A", a.length(), a.offset(), a.transposed() ? k : m, a.transposed() ? m : k, a.ld(),
                strideA, batchCount);
        checkMatrix("B", b.length(), b.offset(), b.transposed() ? n : k, b.transposed() ? k : n, b.ld(),
                strideB, batchCount);
        checkMatrix("C", Objects.requireNonNull(call.c(), "C").length, call.cOff(), m, n, call.ldc(),
                strideC, batchCount);
    }

    /** The stored rows x cols matrices (a batch of them) fit in an array of {@code length}. */
    private static void checkMatrix(String name, int length, int off, int rows, int cols, int ld,
                                    int stride, int batchCount) {
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException("leading dimension of " + name + " is " + ld
                    + ", less than its " + cols + " columns");
        }
        if (off < 0) {
            throw new IndexOutOfBoundsException("offset of " + name + " is negative: " + off);
        }
        if (rows == 0 || cols == 0 || batchCount == 0) {
            return;
        }
        long last = off + (long) (batchCount - 1) * stride + (long) (rows - 1) * ld + cols - 1;
        if (last >= length) {
            throw new IndexOutOfBoundsException(name + " (" + rows + "x" + cols + ", ld " + ld
                    + ", offset " + off + ", " + batchCount + " of stride " + stride + ") reaches element "
                    + last + " of an array of " + length);
        }
    }
}
