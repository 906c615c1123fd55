// C = alpha op(A) op(B) + beta C for A of $A and B of $B, for CPU devices (PoCL, Intel's CPU
// runtime): no local memory and no barriers, which cost a CPU more than they save. A work item
// computes CWPT rows by 16 columns of C in float16 vectors, which the compiler maps to the CPU's
// SIMD registers: each step of k loads 16 elements of a row of op(B) (one vector load when B is
// not transposed) and CWPT elements of op(A), and does CWPT vector multiply-adds. The third
// dimension of the range is the batch.

__kernel void gemm_columns_$A_$B(__global const $A_T* a, long aOff, __global const $B_T* b, long bOff,
        __global float* c, long cOff, int m, int n, int k, int lda, int ldb, int ldc,
        int transA, int transB, float alpha, float beta, long strideA, long strideB, long strideC) {
    const int col0 = get_global_id(0) * 16;
    const int row0 = get_global_id(1) * CWPT;
    const long t = get_global_id(2);
    if (col0 >= n) {
        return;
    }
    a += aOff + t * strideA;
    b += bOff + t * strideB;
    c += cOff + t * strideC;
    // Rows past m read row m - 1 (never padding) and are not stored: no branch in the inner loop.
    long rowAt[CWPT];
    for (int r = 0; r < CWPT; r++) {
        int row = min(row0 + r, m - 1);
        rowAt[r] = transA ? row : (long) row * lda;
    }
    long rowStep = transA ? lda : 1;
    long colAt = transB ? (long) col0 * ldb : col0;
    long colStep = transB ? 1 : ldb;
    float16 acc[CWPT];
    for (int r = 0; r < CWPT; r++) {
        acc[r] = (float16) 0.0f;
    }
    for (int p = 0; p < k; p++) {
        float16 fromB = load16_$B(b, colAt + p * colStep, transB, ldb, col0, n);
        for (int r = 0; r < CWPT; r++) {
            acc[r] += load_$A(a, rowAt[r] + p * rowStep) * fromB;
        }
    }
    for (int r = 0; r < CWPT && row0 + r < m; r++) {
        float values[16];
        vstore16(acc[r], 0, values);
        __global float* row = c + (long) (row0 + r) * ldc;
        for (int j = 0; j < 16 && col0 + j < n; j++) {
            row[col0 + j] = alpha * values[j] + (beta != 0.0f ? beta * row[col0 + j] : 0.0f);
        }
    }
}

// op(B) of a transposed B ($B), written out as F32 rows [batch][k][n] for gemm_columns: its rows
// then load as vectors. A three-dimensional range: columns by k by batch entries.
__kernel void transpose_$A_$B(__global const $B_T* b, long bOff, __global float* out, int n, int k, int ldb,
        long strideB) {
    int j = get_global_id(0);
    int p = get_global_id(1);
    long t = get_global_id(2);
    if (j < n) {
        out[(t * k + p) * n + j] = load_$B(b, bOff + t * strideB + (long) j * ldb + p);
    }
}
