// C = alpha op(A) op(B) + beta C for A of $A and B of $B (the host instantiates this template
// for every pair of F32, BF16 and F16), accumulated in float.
//
// A work-group computes a TSM × TSN tile of C, reading op(A) and op(B) in slices of TSK through
// local memory; each of its (TSM / WPTM) × (TSN / WPTN) work items computes WPTM × WPTN elements,
// strided by the work-group's extent. The third dimension of the range is the batch. Elements
// outside the matrices are loaded as 0 and never read, so padding and NaN there are harmless;
// C is not read when beta is 0.

__kernel __attribute__((reqd_work_group_size(TSN / WPTN, TSM / WPTM, 1)))
void gemm_$A_$B(__global const $A_T* a, long aOff, __global const $B_T* b, long bOff,
        __global float* c, long cOff, int m, int n, int k, int lda, int ldb, int ldc,
        int transA, int transB, float alpha, float beta, long strideA, long strideB, long strideC) {
    const int threadsN = TSN / WPTN;
    const int threadsM = TSM / WPTM;
    const int threads = threadsN * threadsM;
    const int tn = get_local_id(0);
    const int tm = get_local_id(1);
    const int lid = tm * threadsN + tn;
    const int col0 = get_group_id(0) * TSN;
    const int row0 = get_group_id(1) * TSM;
    const long t = get_global_id(2);
    a += aOff + t * strideA;
    b += bOff + t * strideB;
    c += cOff + t * strideC;

    __local float tileA[TSK][TSM]; // tileA[p][i] = op(A)[row0 + i][k0 + p]
    __local float tileB[TSK][TSN]; // tileB[p][j] = op(B)[k0 + p][col0 + j]
    float acc[WPTM][WPTN];
    for (int wm = 0; wm < WPTM; wm++) {
        for (int wn = 0; wn < WPTN; wn++) {
            acc[wm][wn] = 0.0f;
        }
    }

    for (int k0 = 0; k0 < k; k0 += TSK) {
        // Consecutive work items load consecutive addresses of whichever layout A and B have.
        for (int e = lid; e < TSK * TSM; e += threads) {
            int p = transA ? e / TSM : e % TSK;
            int i = transA ? e % TSM : e / TSK;
            int row = row0 + i;
            int col = k0 + p;
            float value = 0.0f;
            if (row < m && col < k) {
                value = load_$A(a, transA ? (long) col * lda + row : (long) row * lda + col);
            }
            tileA[p][i] = value;
        }
        for (int e = lid; e < TSK * TSN; e += threads) {
            int p = transB ? e % TSK : e / TSN;
            int j = transB ? e / TSK : e % TSN;
            int row = k0 + p;
            int col = col0 + j;
            float value = 0.0f;
            if (row < k && col < n) {
                value = load_$B(b, transB ? (long) col * ldb + row : (long) row * ldb + col);
            }
            tileB[p][j] = value;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int p = 0; p < TSK; p++) {
            float fromB[WPTN];
            for (int wn = 0; wn < WPTN; wn++) {
                fromB[wn] = tileB[p][tn + wn * threadsN];
            }
            for (int wm = 0; wm < WPTM; wm++) {
                float fromA = tileA[p][tm + wm * threadsM];
                for (int wn = 0; wn < WPTN; wn++) {
                    acc[wm][wn] += fromA * fromB[wn];
                }
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    for (int wm = 0; wm < WPTM; wm++) {
        int row = row0 + tm + wm * threadsM;
        if (row >= m) {
            continue;
        }
        for (int wn = 0; wn < WPTN; wn++) {
            int col = col0 + tn + wn * threadsN;
            if (col < n) {
                long at = (long) row * ldc + col;
                c[at] = alpha * acc[wm][wn] + (beta != 0.0f ? beta * c[at] : 0.0f);
            }
        }
    }
}
