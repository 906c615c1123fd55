package dev.kiln.hal.tck.reference.math;

import dev.kiln.api.backend.Gemm;

/** The matrix product of {@link Gemm}, one dot product at a time, accumulated in double. */
public final class Blas {

    private Blas() {}

    /**
     * {@code C = alpha op(A) op(B) + beta C} for every product of the batch, in place on
     * {@code c}; the arrays start where the operands' slices start. With beta 0, C is not read.
     */
    public static void gemm(Gemm g, double[] a, double[] b, double[] c) {
        for (int t = 0; t < g.batch(); t++) {
            long baseA = t * g.strideA();
            long baseB = t * g.strideB();
            long baseC = t * g.strideC();
            for (int i = 0; i < g.m(); i++) {
                for (int j = 0; j < g.n(); j++) {
                    double dot = 0;
                    for (int p = 0; p < g.k(); p++) {
                        dot += a[(int) (baseA + indexA(g, i, p))] * b[(int) (baseB + indexB(g, p, j))];
                    }
                    int at = (int) (baseC + (long) i * g.ldc() + j);
                    c[at] = g.alpha() * dot + (g.beta() == 0 ? 0 : g.beta() * c[at]);
                }
            }
        }
    }

    /** Elements of A a product reads, counted from the slice: 0 when it reads none. */
    public static long extentA(Gemm g) {
        return storedExtent(g, g.transA() ? g.k() : g.m(), g.transA() ? g.m() : g.k(), g.lda(), g.strideA());
    }

    public static long extentB(Gemm g) {
        return storedExtent(g, g.transB() ? g.n() : g.k(), g.transB() ? g.k() : g.n(), g.ldb(), g.strideB());
    }

    public static long extentC(Gemm g) {
        return storedExtent(g, g.m(), g.n(), g.ldc(), g.strideC());
    }

    /** Where element (i, p) of op(A) is stored. */
    static long indexA(Gemm g, int i, int p) {
        return g.transA() ? (long) p * g.lda() + i : (long) i * g.lda() + p;
    }

    /** Where element (p, j) of op(B) is stored. */
    static long indexB(Gemm g, int p, int j) {
        return g.transB() ? (long) j * g.ldb() + p : (long) p * g.ldb() + j;
    }

    private static long storedExtent(Gemm g, int storedRows, int storedCols, int ld, long stride) {
        if (g.batch() == 0 || storedRows == 0 || storedCols == 0) {
            return 0;
        }
        if (stride < 0) {
            throw new IllegalArgumentException("gemm: negative batch stride " + stride);
        }
        return (g.batch() - 1) * stride + (long) (storedRows - 1) * ld + storedCols;
    }
}
