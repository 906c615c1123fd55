package dev.kiln.api.backend;

/**
 * The shape of a (batched) matrix product with BLAS semantics on row-major matrices:
 * {@code C = alpha * op(A) * op(B) + beta * C}, op(A) being m×k, op(B) k×n and C m×n. Element
 * (i, j) of X is at {@code offset + i * ldX + j} of its slice; product t of a batch reads A at
 * {@code t * strideA} past its slice (B and C likewise). A stride of 0 reuses one A or B for the
 * whole batch. With beta 0, C is not read.
 */
public record Gemm(
        boolean transA, boolean transB,
        int m, int n, int k,
        float alpha, float beta,
        int lda, int ldb, int ldc,
        int batch, long strideA, long strideB, long strideC) {

    public Gemm {
        if (m < 0 || n < 0 || k < 0 || batch < 0) {
            throw new IllegalArgumentException("gemm: negative size m=" + m + " n=" + n + " k=" + k
                    + " batch=" + batch);
        }
        int minLda = transA ? m : k;
        int minLdb = transB ? k : n;
        if (strideA < 0 || strideB < 0 || strideC < 0) {
            throw new IllegalArgumentException("gemm: negative batch stride A=" + strideA + " B=" + strideB
                    + " C=" + strideC);
        }
        if (lda < Math.max(1, minLda) || ldb < Math.max(1, minLdb) || ldc < Math.max(1, n)) {
            throw new IllegalArgumentException("gemm: leading dimensions lda=" + lda + " ldb=" + ldb
                    + " ldc=" + ldc + " too small for m=" + m + " n=" + n + " k=" + k
                    + (transA ? " transA" : "") + (transB ? " transB" : ""));
        }
    }

    /** C = op(A) op(B) for one product of contiguous matrices. */
    public static Gemm of(boolean transA, boolean transB, int m, int n, int k) {
        return new Gemm(transA, transB, m, n, k, 1f, 0f,
                ld(transA ? m : k), ld(transB ? k : n), ld(n), 1, 0, 0, 0);
    }

    /** {@code batch} products of contiguous matrices stored one after the other. */
    public static Gemm batched(boolean transA, boolean transB, int m, int n, int k, int batch) {
        return new Gemm(transA, transB, m, n, k, 1f, 0f,
                ld(transA ? m : k), ld(transB ? k : n), ld(n), batch, (long) m * k, (long) k * n, (long) m * n);
    }

    /** A leading dimension for a contiguous matrix: at least 1 even when a size is 0. */
    private static int ld(int columns) {
        return Math.max(1, columns);
    }

    /** The same product, accumulating into C: {@code beta = 1}. */
    public Gemm accumulate() {
        return new Gemm(transA, transB, m, n, k, alpha, 1f, lda, ldb, ldc, batch, strideA, strideB, strideC);
    }

    /** Floating point operations (2·m·n·k per product). */
    public long flops() {
        return 2L * m * n * k * batch;
    }
}
