package dev.kiln.hal.tck.checks;

import dev.kiln.api.backend.Gemm;
import dev.kiln.api.tensor.DType;
import dev.kiln.hal.tck.reference.math.Blas;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * gemm: the four transpose combinations over odd shapes, alpha and beta (with NaN in C where
 * beta is 0, which must not be read), k = 0, empty products, batches with strides (0 included),
 * leading dimensions above the minimum, BF16 and F16 inputs, and determinism. Elements of A and
 * B a product must not read (leading-dimension padding, gaps between batch entries) hold NaN, and
 * C's padding must stay as it was.
 */
public final class GemmChecks implements CheckFamily {

    private static final boolean[] BOTH = {false, true};
    /** m, n, k: vectors, odd sizes, non-multiples of vector widths, a square one. */
    private static final int[][] SHAPES = {
        {1, 1, 1}, {1, 65, 33}, {7, 3, 17}, {33, 17, 130}, {65, 130, 7}, {17, 17, 17},
    };

    @Override
    public Stream<DynamicTest> tests(CheckContext context) {
        List<DynamicTest> tests = new ArrayList<>();
        for (boolean transA : BOTH) {
            for (boolean transB : BOTH) {
                for (int[] s : SHAPES) {
                    tests.add(product(context, Gemm.of(transA, transB, s[0], s[1], s[2]), DType.F32, DType.F32, ""));
                }
                tests.add(product(context, padded(transA, transB, 9, 13, 11), DType.F32, DType.F32,
                        " (padding holds NaN)"));
            }
        }
        tests.add(product(context, scaled(false, false, 17, 33, 7, 0.5f, 0f), DType.F32, DType.F32,
                " (C holds NaN and must not be read)"));
        tests.add(product(context, scaled(true, false, 17, 33, 7, -1.25f, 1f), DType.F32, DType.F32,
                " (C accumulates)"));
        tests.add(product(context, scaled(false, true, 33, 7, 65, 2f, 0.75f), DType.F32, DType.F32, ""));
        tests.add(product(context, scaled(true, true, 3, 5, 0, 1f, 0.5f), DType.F32, DType.F32,
                " (k = 0 scales C by beta)"));
        tests.add(product(context, scaled(false, false, 4, 6, 0, 1f, 0f), DType.F32, DType.F32,
                " (k = 0 with beta 0 writes zeros)"));
        tests.add(product(context, Gemm.of(false, false, 0, 7, 5), DType.F32, DType.F32, " (empty, touches nothing)"));
        tests.add(product(context, Gemm.batched(false, false, 7, 9, 17, 3), DType.F32, DType.F32, ""));
        tests.add(product(context, Gemm.batched(true, true, 5, 33, 3, 4), DType.F32, DType.F32, ""));
        tests.add(product(context, strided(false, true, 6, 10, 17, 3, 0, 10L * 17 + 5, 6L * 10 + 2),
                DType.F32, DType.F32, " (one A for the batch)"));
        tests.add(product(context, strided(false, false, 5, 9, 13, 4, 5L * 13, 0, 5L * 9), DType.F32, DType.F32,
                " (one B for the batch)"));
        tests.add(product(context, new Gemm(true, false, 5, 7, 9, 1f, 1f, 8, 11, 10, 3, 80, 110, 60),
                DType.F32, DType.F32, " (padded, strided, accumulating)"));
        tests.add(product(context, Gemm.of(false, true, 130, 65, 257), DType.F32, DType.F32, ""));
        for (DType type : context.options().floatTypes()) {
            if (type == DType.F32) {
                continue;
            }
            for (boolean transA : BOTH) {
                for (boolean transB : BOTH) {
                    tests.add(product(context, Gemm.of(transA, transB, 17, 33, 65), type, type, ""));
                }
            }
            tests.add(product(context, Gemm.of(false, true, 7, 65, 33), DType.F32, type, ""));
            tests.add(product(context, Gemm.batched(true, false, 5, 9, 17, 2).accumulate(), type, type, ""));
        }
        tests.add(determinism(context, Gemm.of(false, true, 33, 65, 257)));
        return tests.stream();
    }

    private static DynamicTest product(CheckContext context, Gemm g, DType typeA, DType typeB, String note) {
        return context.test("gemm " + describe(g, typeA, typeB) + note, trial -> {
            Operands operands = Operands.create(trial, g, typeA, typeB);
            trial.run((kernels, on) -> kernels.gemm(g, on.at(operands.a), on.at(operands.b), on.at(operands.c)));
            trial.check("C", operands.c, Tolerances.accumulation(operands.sizeOfTerms(g)));
        });
    }

    private static DynamicTest determinism(CheckContext context, Gemm g) {
        return context.test("gemm determinism: two runs agree bit for bit, " + describe(g, DType.F32, DType.F32),
                trial -> {
            Operands operands = Operands.create(trial, g, DType.F32, DType.F32);
            Trial.KernelCall call = (kernels, on) -> kernels.gemm(g, on.at(operands.a), on.at(operands.b), on.at(operands.c));
            trial.runOnDevice(call);
            double[] first = trial.actual(operands.c);
            trial.runOnDevice(call);
            trial.checkIdentical("C", first, trial.actual(operands.c));
        });
    }

    /** A, B and C with NaN wherever the product must neither read nor write. */
    private record Operands(Twin a, Twin b, Twin c, double[] aValues, double[] bValues, double[] cValues) {

        static Operands create(Trial trial, Gemm g, DType typeA, DType typeB) {
            Random random = trial.random();
            float[] a = matrices(Blas.extentA(g), g.batch(), g.strideA(), g.transA() ? g.k() : g.m(),
                    g.transA() ? g.m() : g.k(), g.lda(), random);
            float[] b = matrices(Blas.extentB(g), g.batch(), g.strideB(), g.transB() ? g.n() : g.k(),
                    g.transB() ? g.k() : g.n(), g.ldb(), random);
            // With beta 0, C is all NaN: the product must neither read it nor leave any of it.
            float[] c = matrices(Blas.extentC(g), g.batch(), g.strideC(), g.beta() != 0 ? g.m() : 0, g.n(), g.ldc(),
                    random);
            Twin ta = trial.input(typeA, a);
            Twin tb = trial.input(typeB, b);
            Twin tc = trial.input(c);
            return new Operands(ta, tb, tc, ta.values(), tb.values(), tc.values());
        }

        /** {@code |alpha| |A||B| + |beta| |C|} per element of C: what rounding errors scale with. */
        double[] sizeOfTerms(Gemm g) {
            double[] size = RandomData.abs(cValues);
            Gemm absolute = new Gemm(g.transA(), g.transB(), g.m(), g.n(), g.k(), Math.abs(g.alpha()),
                    Math.abs(g.beta()), g.lda(), g.ldb(), g.ldc(), g.batch(), g.strideA(), g.strideB(), g.strideC());
            Blas.gemm(absolute, RandomData.abs(aValues), RandomData.abs(bValues), size);
            return size;
        }
    }

    /**
     * A batch of stored {@code rows × cols} matrices, {@code ld} apart from row to row and
     * {@code stride} apart from entry to entry: random values where they are stored, NaN in the
     * padding and the gaps, which a product must not read.
     */
    private static float[] matrices(long extent, int batch, long stride, int rows, int cols, int ld, Random random) {
        float[] values = new float[(int) extent];
        Arrays.fill(values, Float.NaN);
        for (long t = 0; t < batch; t++) {
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    values[(int) (t * stride + (long) i * ld + j)] = (float) (2 * random.nextDouble() - 1);
                }
            }
        }
        return values;
    }

    private static Gemm padded(boolean transA, boolean transB, int m, int n, int k) {
        int lda = (transA ? m : k) + 3;
        int ldb = (transB ? k : n) + 5;
        return new Gemm(transA, transB, m, n, k, 1f, 0f, lda, ldb, n + 2, 1, 0, 0, 0);
    }

    /** Contiguous operands, with alpha and beta. (Gemm.of would give k = 0 a leading dim of 0.) */
    private static Gemm scaled(boolean transA, boolean transB, int m, int n, int k, float alpha, float beta) {
        return new Gemm(transA, transB, m, n, k, alpha, beta, minLda(transA, m, k), minLdb(transB, n, k),
                Math.max(1, n), 1, 0, 0, 0);
    }

    private static Gemm strided(boolean transA, boolean transB, int m, int n, int k, int batch,
            long strideA, long strideB, long strideC) {
        return new Gemm(transA, transB, m, n, k, 1f, 0f, minLda(transA, m, k), minLdb(transB, n, k),
                Math.max(1, n), batch, strideA, strideB, strideC);
    }

    private static int minLda(boolean transA, int m, int k) {
        return Math.max(1, transA ? m : k);
    }

    private static int minLdb(boolean transB, int n, int k) {
        return Math.max(1, transB ? k : n);
    }

    private static String describe(Gemm g, DType typeA, DType typeB) {
        StringBuilder name = new StringBuilder().append(g.transA() ? 'T' : 'N').append(g.transB() ? 'T' : 'N')
                .append(" m=").append(g.m()).append(" n=").append(g.n()).append(" k=").append(g.k());
        if (g.alpha() != 1 || g.beta() != 0) {
            name.append(" alpha=").append(g.alpha()).append(" beta=").append(g.beta());
        }
        if (g.lda() != minLda(g.transA(), g.m(), g.k()) || g.ldb() != minLdb(g.transB(), g.n(), g.k())
                || g.ldc() != Math.max(1, g.n())) {
            name.append(" lda=").append(g.lda()).append(" ldb=").append(g.ldb()).append(" ldc=").append(g.ldc());
        }
        if (g.batch() != 1) {
            name.append(" batch=").append(g.batch()).append(" strides=").append(g.strideA()).append('/')
                    .append(g.strideB()).append('/').append(g.strideC());
        }
        name.append(' ').append(typeA == typeB ? typeA.name() : "A " + typeA + " B " + typeB);
        return name.toString();
    }
}
