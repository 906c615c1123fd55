package dev.kiln.hal.cpu.kernel;

import static dev.kiln.hal.cpu.kernel.MicroKernel.MR;
import static dev.kiln.hal.cpu.kernel.MicroKernel.NR;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SgemmTest {

    private static final Parallelism TWO_THREADS = Parallelism.fixed(2);
    private static final List<Parallelism> THREADS = List.of(Parallelism.serial(), TWO_THREADS);

    /** Blocks far smaller than the defaults, so that small matrices cross every block boundary. */
    static final GemmTuning TINY_BLOCKS = new GemmTuning(2 * MR, 5, NR, 1);
    /** The default blocks, but every product is split over the threads however small. */
    static final GemmTuning SPLIT_ALWAYS = new GemmTuning(
            GemmTuning.DEFAULT.mc(), GemmTuning.DEFAULT.kc(), GemmTuning.DEFAULT.nc(), 1);

    private static final float[][] ALPHA_BETA = {{1f, 0f}, {1f, 1f}, {-0.5f, 0f}, {2.5f, 0.75f}};

    @AfterAll
    static void stopThreads() {
        TWO_THREADS.close();
    }

    /** Where a matrix sits in its array: the offset of its first element and the padding of its rows. */
    record Layout(int offset, int rowPadding) {
        static final Layout TIGHT = new Layout(0, 0);
        static final Layout LOOSE = new Layout(7, 5);
    }

    static Stream<Arguments> smallShapes() {
        int l = NR / 2;
        return Stream.of(
                Arguments.of(1, 1, 1), Arguments.of(1, 1, 9), Arguments.of(1, 37, 5), Arguments.of(37, 1, 5),
                Arguments.of(5, 7, 1), Arguments.of(MR, NR, 3), Arguments.of(MR + 1, NR + 1, 11),
                Arguments.of(MR - 1, l - 1, 13), Arguments.of(2 * MR, 2 * NR, 10), Arguments.of(3, l + 3, 17),
                Arguments.of(13, 29, 31), Arguments.of(25, 67, 12), Arguments.of(40, 3 * NR - 5, 23));
    }

    @ParameterizedTest(name = "{0}x{1}x{2}")
    @MethodSource("smallShapes")
    void matchesTheReferenceForEveryTransposeScalingLayoutAndThreadCount(int m, int n, int k) {
        long seed = 31L * m + 17L * n + k;
        for (boolean transA : new boolean[] {false, true}) {
            for (boolean transB : new boolean[] {false, true}) {
                for (float[] ab : ALPHA_BETA) {
                    for (Parallelism threads : THREADS) {
                        for (GemmTuning tuning : List.of(TINY_BLOCKS, SPLIT_ALWAYS)) {
                            Layout layout = (seed++ & 1) == 0 ? Layout.TIGHT : Layout.LOOSE;
                            check(transA, transB, m, n, k, ab[0], ab[1], layout, threads, tuning, seed);
                        }
                    }
                }
            }
        }
    }

    static Stream<Arguments> largerShapes() {
        return Stream.of(
                Arguments.of(false, false, 131, 3 * NR + 7, 300),
                Arguments.of(false, true, 200, 129, 257),
                Arguments.of(true, false, 97, 200, 301),
                Arguments.of(true, true, 64, 4 * NR, 520));
    }

    /** Sizes past one default block in k and several tiles each way, with the default tuning. */
    @ParameterizedTest(name = "transA={0} transB={1} {2}x{3}x{4}")
    @MethodSource("largerShapes")
    void matchesTheReferenceAcrossDefaultBlocks(boolean transA, boolean transB, int m, int n, int k) {
        check(transA, transB, m, n, k, 1f, 0f, Layout.LOOSE, TWO_THREADS, GemmTuning.DEFAULT, 5);
        check(transA, transB, m, n, k, -1.5f, 0.5f, Layout.TIGHT, TWO_THREADS, SPLIT_ALWAYS, 6);
    }

    @Test
    void betaZeroOverwritesNaNInC() {
        float[] a = {1, 2, 3, 4};
        float[] b = {5, 6, 7, 8};
        float[] c = {Float.NaN, Float.NaN, Float.POSITIVE_INFINITY, Float.NaN};
        Sgemm.multiply(false, false, 2, 2, 2, 1f, a, 0, 2, b, 0, 2, 0f, c, 0, 2, Parallelism.serial());
        assertArrayEquals(new float[] {19, 22, 43, 50}, c);
    }

    @Test
    void alphaZeroOnlyScalesCAndNeverReadsAOrB() {
        float[] nan = new float[6];
        Arrays.fill(nan, Float.NaN);
        float[] c = {1, 2, 3, 4, 5, 6};
        Sgemm.multiply(false, false, 2, 3, 2, 0f, nan, 0, 2, nan, 0, 3, 0.5f, c, 0, 3, TWO_THREADS);
        assertArrayEquals(new float[] {0.5f, 1, 1.5f, 2, 2.5f, 3}, c);
    }

    @Test
    void depthZeroScalesC() {
        float[] c = {1, Float.NaN, 3, 4};
        Sgemm.multiply(true, true, 2, 2, 0, 1f, new float[0], 0, 2, new float[0], 0, 1, 0f, c, 0, 2,
                Parallelism.serial());
        assertArrayEquals(new float[] {0, 0, 0, 0}, c);
        float[] d = {1, 2, 3, 4};
        Sgemm.multiply(false, false, 2, 2, 0, 1f, new float[0], 0, 1, new float[0], 0, 2, 2f, d, 0, 2,
                Parallelism.serial());
        assertArrayEquals(new float[] {2, 4, 6, 8}, d);
    }

    @Test
    void anEmptyOutputLeavesCAlone() {
        float[] c = {Float.NaN};
        Sgemm.multiply(false, false, 0, 1, 4, 1f, new float[0], 0, 4, new float[4], 0, 1, 0f, c, 0, 1,
                TWO_THREADS);
        Sgemm.multiply(false, false, 1, 0, 4, 1f, new float[4], 0, 4, new float[0], 0, 1, 0f, c, 0, 1,
                TWO_THREADS);
        assertEquals(Float.NaN, c[0]);
    }

    @Test
    void theSameInputsGiveBitIdenticalResults() {
        int m = 150, n = 5 * NR + 3, k = 700;
        Random random = new Random(11);
        float[] a = randomArray(random, m * k);
        float[] b = randomArray(random, k * n);
        float[] first = new float[m * n];
        float[] second = new float[m * n];
        Sgemm.multiply(false, true, m, n, k, 1f, a, 0, k, b, 0, k, 0f, first, 0, n, TWO_THREADS);
        Sgemm.multiply(false, true, m, n, k, 1f, a, 0, k, b, 0, k, 0f, second, 0, n, TWO_THREADS);
        assertArrayEquals(first, second);
    }

    @Test
    void theThreadCountDoesNotChangeABit() {
        int m = 97, n = 3 * NR + 1, k = 600;
        Random random = new Random(12);
        float[] a = randomArray(random, m * k);
        float[] b = randomArray(random, k * n);
        float[] serial = new float[m * n];
        multiply(m, n, k, a, b, serial, Parallelism.serial());
        try (Parallelism three = Parallelism.fixed(3)) {
            for (Parallelism threads : List.of(TWO_THREADS, three)) {
                float[] parallel = new float[m * n];
                multiply(m, n, k, a, b, parallel, threads);
                assertArrayEquals(serial, parallel, threads.threads() + " threads");
            }
        }
    }

    private static void multiply(int m, int n, int k, float[] a, float[] b, float[] c, Parallelism threads) {
        GemmCall call = new GemmCall(m, n, k, 1f, new F32Operand(a, 0, k, false), new F32Operand(b, 0, n, false),
                0f, c, 0, n);
        Sgemm.run(call, 0, 0, 0, 1, threads, SPLIT_ALWAYS);
    }

    @Test
    void eachProductOfABatchMatchesTheReference() {
        int m = 9, n = NR + 5, k = 21, batch = 3;
        int lda = k + 2, ldb = n, ldc = n + 1;
        int strideA = m * lda + 4, strideC = m * ldc + 3;
        Random random = new Random(13);
        float[] a = randomArray(random, 2 + batch * strideA);
        float[] b = randomArray(random, 1 + k * ldb);
        float[] c = randomArray(random, 5 + batch * strideC);
        float[] before = c.clone();
        // B has stride 0: one B shared by every product.
        Sgemm.multiplyBatched(false, false, m, n, k, 1.5f, a, 2, lda, strideA, b, 1, ldb, 0,
                0.5f, c, 5, ldc, strideC, batch, TWO_THREADS);
        for (int t = 0; t < batch; t++) {
            double[] want = ReferenceGemm.multiply(false, false, m, n, k, 1.5f, a, 2 + t * strideA, lda,
                    b, 1, ldb, 0.5f, before, 5 + t * strideC, ldc);
            double[] tolerance = ReferenceGemm.tolerance(false, false, m, n, k, 1.5f, a, 2 + t * strideA, lda,
                    b, 1, ldb, 0.5f, before, 5 + t * strideC, ldc);
            assertClose(want, tolerance, c, 5 + t * strideC, ldc, m, n, "product " + t);
        }
    }

    @Test
    void argumentsThatDoNotFitAreRejected() {
        float[] four = new float[4];
        Parallelism serial = Parallelism.serial();
        assertThrows(IllegalArgumentException.class,
                () -> Sgemm.multiply(false, false, 2, 2, 2, 1f, four, 0, 1, four, 0, 2, 0f, four, 0, 2, serial));
        assertThrows(IndexOutOfBoundsException.class,
                () -> Sgemm.multiply(false, false, 2, 2, 2, 1f, four, 1, 2, four, 0, 2, 0f, four, 0, 2, serial));
        assertThrows(IndexOutOfBoundsException.class,
                () -> Sgemm.multiply(false, false, 2, 2, 3, 1f, new float[6], 0, 3, four, 0, 2, 0f, four, 0, 2, serial));
        assertThrows(IllegalArgumentException.class,
                () -> Sgemm.multiply(false, false, -1, 2, 2, 1f, four, 0, 2, four, 0, 2, 0f, four, 0, 2, serial));
        assertThrows(IndexOutOfBoundsException.class,
                () -> Sgemm.multiplyBatched(false, false, 2, 2, 2, 1f, four, 0, 2, 0, four, 0, 2, 0,
                        0f, new float[7], 0, 2, 4, 2, serial));
    }

    /**
     * Runs one product on matrices laid out with {@code layout} inside larger arrays, and checks
     * every element of C against the reference and every element around C for being untouched.
     * With beta 0, C starts as NaN: BLAS says it must not be read.
     */
    private static void check(boolean transA, boolean transB, int m, int n, int k, float alpha, float beta,
                              Layout layout, Parallelism threads, GemmTuning tuning, long seed) {
        Random random = new Random(seed);
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        int lda = Math.max(1, aCols) + layout.rowPadding();
        int ldb = Math.max(1, bCols) + layout.rowPadding();
        int ldc = n + layout.rowPadding();
        int off = layout.offset();
        float[] a = randomArray(random, off + aRows * lda + 3);
        float[] b = randomArray(random, off + bRows * ldb + 3);
        float[] c = randomArray(random, off + m * ldc + 3);
        if (beta == 0f) {
            for (int i = 0; i < m; i++) {
                Arrays.fill(c, off + i * ldc, off + i * ldc + n, Float.NaN);
            }
        }
        float[] before = c.clone();

        GemmCall call = new GemmCall(m, n, k, alpha, new F32Operand(a, off, lda, transA),
                new F32Operand(b, off, ldb, transB), beta, c, off, ldc);
        Sgemm.run(call, 0, 0, 0, 1, threads, tuning);

        String what = String.format("%s%s %dx%dx%d alpha=%s beta=%s %s threads=%d %s",
                transA ? "T" : "N", transB ? "T" : "N", m, n, k, alpha, beta, layout, threads.threads(), tuning);
        double[] want = ReferenceGemm.multiply(transA, transB, m, n, k, alpha, a, off, lda, b, off, ldb,
                beta, before, off, ldc);
        double[] tolerance = ReferenceGemm.tolerance(transA, transB, m, n, k, alpha, a, off, lda, b, off, ldb,
                beta, before, off, ldc);
        assertClose(want, tolerance, c, off, ldc, m, n, what);
        assertOutsideUntouched(before, c, off, ldc, m, n, what);
    }

    private static void assertClose(double[] want, double[] tolerance, float[] c, int off, int ldc,
                                    int m, int n, String what) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float got = c[off + i * ldc + j];
                double error = Math.abs(got - want[i * n + j]);
                if (!(error <= tolerance[i * n + j])) {
                    fail(what + ": C[" + i + "][" + j + "] is " + got + ", want " + want[i * n + j]
                            + " within " + tolerance[i * n + j]);
                }
            }
        }
    }

    private static void assertOutsideUntouched(float[] before, float[] after, int off, int ldc, int m, int n,
                                               String what) {
        for (int x = 0; x < after.length; x++) {
            int row = Math.floorDiv(x - off, ldc);
            int col = Math.floorMod(x - off, ldc);
            boolean inside = x >= off && row < m && col < n;
            if (!inside && Float.floatToRawIntBits(before[x]) != Float.floatToRawIntBits(after[x])) {
                fail(what + ": element " + x + " outside C changed from " + before[x] + " to " + after[x]);
            }
        }
    }

    static float[] randomArray(Random random, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = random.nextFloat() * 2 - 1;
        }
        return x;
    }
}
