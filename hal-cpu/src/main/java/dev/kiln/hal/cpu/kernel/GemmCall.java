package dev.kiln.hal.cpu.kernel;

/**
 * The arguments of one GEMM call, C = alpha * op(A) * op(B) + beta * C with op(A) m x k and
 * op(B) k x n; for a batch, those of its first product.
 */
record GemmCall(int m, int n, int k, float alpha, GemmOperand a, GemmOperand b,
                float beta, float[] c, int cOff, int ldc) {

    long macs() {
        return (long) m * n * k;
    }
}
