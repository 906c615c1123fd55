package dev.kiln.hal.cpu.kernel;

import static dev.kiln.hal.cpu.kernel.KernelAsserts.SIZES;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.assertBitsEqual;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.assertClose;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.assertRejected;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.randomFloats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ReductionsTest {

    private final Random random = new Random(101);

    @Test
    void sumMeanAndMaxOverTheLastDim() {
        for (int n : SIZES) {
            int rows = 3;
            float[] x = randomFloats(random, 1 + rows * n, 1f);
            float[] sum = new float[rows], mean = new float[rows], max = new float[rows];
            Reductions.sumLastDim(x, 1, sum, 0, n, 0, rows);
            Reductions.meanLastDim(x, 1, mean, 0, n, 0, rows);
            Reductions.maxLastDim(x, 1, max, 0, n, 0, rows);
            for (int r = 0; r < rows; r++) {
                double s = 0;
                float m = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    s += x[1 + r * n + j];
                    m = Math.max(m, x[1 + r * n + j]);
                }
                assertClose(s, sum[r], 1e-6, 1e-6 * Math.sqrt(n), "sum n=" + n);
                assertClose(s / n, mean[r], 1e-6, 1e-6, "mean n=" + n);
                assertEquals(m, max[r], "max n=" + n);
            }
        }
    }

    @Test
    void maxSeesNaNAndNegativeValuesInTheTail() {
        float[] x = {-5f, -4f, -3f, -7f, -2f};
        float[] out = new float[1];
        Reductions.maxLastDim(x, 0, out, 0, 5, 0, 1);
        assertEquals(-2f, out[0]);
        x[3] = Float.NaN;
        Reductions.maxLastDim(x, 0, out, 0, 5, 0, 1);
        assertTrue(Float.isNaN(out[0]));
    }

    @Test
    void rowSplitsGiveIdenticalBits() {
        int n = 45, rows = 10;
        float[] x = randomFloats(random, rows * n, 1f);
        float[] whole = new float[rows], parts = new float[rows];
        Reductions.sumLastDim(x, 0, whole, 0, n, 0, rows);
        Reductions.sumLastDim(x, 0, parts, 0, n, 0, 3);
        Reductions.sumLastDim(x, 0, parts, 0, n, 3, rows);
        assertBitsEqual(whole, parts, "sumLastDim");
    }

    @Test
    void sumOfSquaresIsAccurateOverLongRanges() {
        int n = 100_003;
        float[] x = randomFloats(random, n, 3f);
        double expected = 0;
        for (int i = 10; i < n; i++) {
            expected += (double) x[i] * x[i];
        }
        assertClose(expected, Reductions.sumOfSquares(x, 0, 10, n), 1e-7, 0, "sum of squares");
        assertEquals(0.0, Reductions.sumOfSquares(x, 0, 5, 5));
    }

    @Test
    void columnSumsIntoPartialsAndTheirFixedOrderCombination() {
        int n = 21, rows = 8;
        float[] x = randomFloats(random, rows * n, 1f);
        float[] partials = new float[2 * n];
        Reductions.sumRowsInto(x, 0, partials, 0, n, 0, 5);
        Reductions.sumRowsInto(x, 0, partials, n, n, 5, rows);
        float[] out = new float[n];
        out[0] = 100f; // accumulatePartials adds to what is there
        Reductions.accumulatePartials(partials, 0, 2, n, out, 0, 0, 10);
        Reductions.accumulatePartials(partials, 0, 2, n, out, 0, 10, n);
        for (int j = 0; j < n; j++) {
            double s = j == 0 ? 100 : 0;
            for (int r = 0; r < rows; r++) {
                s += x[r * n + j];
            }
            assertClose(s, out[j], 1e-6, 1e-6, "column " + j);
            assertEquals((j == 0 ? 100f : 0f) + partials[j] + partials[n + j], out[j], "fixed order, column " + j);
        }
        assertEquals(6.0, Reductions.sumInOrder(new double[] {9, 1, 2, 3}, 1, 3));
    }

    @Test
    void badShapesNameTheOp() {
        float[] a = new float[6];
        assertRejected("sumLastDim", () -> Reductions.sumLastDim(a, 0, a, 0, 4, 0, 2));
        assertRejected("meanLastDim", () -> Reductions.meanLastDim(a, 0, new float[1], 0, 3, 0, 2));
        assertRejected("maxLastDim", () -> Reductions.maxLastDim(a, 0, a, 0, 0, 0, 1));
        assertRejected("sumRowsInto", () -> Reductions.sumRowsInto(a, 0, new float[2], 0, 3, 0, 2));
        assertRejected("accumulatePartials", () -> Reductions.accumulatePartials(a, 0, 3, 3, a, 0, 0, 3));
        assertRejected("accumulatePartials", () -> Reductions.accumulatePartials(a, 0, 2, 3, a, 0, 0, 4));
        assertRejected("sumOfSquares", () -> Reductions.sumOfSquares(a, 0, 0, 7));
    }
}
