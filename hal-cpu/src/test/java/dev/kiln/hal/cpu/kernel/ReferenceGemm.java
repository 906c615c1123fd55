package dev.kiln.hal.cpu.kernel;

/**
 * The textbook triple loop, summed in double: what {@link Sgemm} must agree with. Also computes
 * the error bound each element is held to.
 */
final class ReferenceGemm {

    /** Float rounding error of one sum term, with slack for FMA vs. mul+add and alpha/beta scaling. */
    private static final double UNIT = Math.ulp(1f) * 2;

    private ReferenceGemm() {}

    /** Like Sgemm.multiply, into a fresh double array, row-major m x n. */
    static double[] multiply(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        double[] out = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    sum += (double) a(transA, a, aOff, lda, i, p) * b(transB, b, bOff, ldb, p, j);
                }
                double old = beta == 0f ? 0 : (double) beta * c[cOff + i * ldc + j];
                out[i * n + j] = alpha * sum + old;
            }
        }
        return out;
    }

    /** How far a float result may fairly be from the exact one: k+2 roundings of the magnitudes involved. */
    static double[] tolerance(boolean transA, boolean transB, int m, int n, int k, float alpha,
                              float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                              float beta, float[] c, int cOff, int ldc) {
        double[] out = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double magnitude = 0;
                for (int p = 0; p < k; p++) {
                    magnitude += Math.abs((double) a(transA, a, aOff, lda, i, p) * b(transB, b, bOff, ldb, p, j));
                }
                double old = beta == 0f ? 0 : Math.abs((double) beta * c[cOff + i * ldc + j]);
                out[i * n + j] = (k + 2) * UNIT * (Math.abs(alpha) * magnitude + old) + Float.MIN_NORMAL;
            }
        }
        return out;
    }

    private static float a(boolean transA, float[] a, int aOff, int lda, int i, int p) {
        return transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
    }

    private static float b(boolean transB, float[] b, int bOff, int ldb, int p, int j) {
        return transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
    }
}
