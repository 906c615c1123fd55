package dev.kiln.hal.cpu.kernel;

import static dev.kiln.hal.cpu.kernel.KernelAsserts.SIZES;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.assertBitsEqual;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.assertRejected;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.randomFloats;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Sums, differences and products of two floats rounded once are what double arithmetic rounded to
 * float gives (double has more than twice float's precision), so these kernels must match the
 * reference bit for bit.
 */
class ElementwiseTest {

    private final Random random = new Random(11);

    @Test
    void binaryOpsAreExactlyRounded() {
        for (int n : SIZES) {
            float[] a = randomFloats(random, n + 2, 10f);
            float[] b = randomFloats(random, n + 1, 1e-3f);
            float[] sum = new float[n + 3];
            float[] diff = new float[n + 3];
            float[] prod = new float[n + 3];
            Elementwise.add(a, 2, b, 1, sum, 3, 0, n);
            Elementwise.sub(a, 2, b, 1, diff, 3, 0, n);
            Elementwise.mul(a, 2, b, 1, prod, 3, 0, n);
            float[] eSum = new float[n + 3];
            float[] eDiff = new float[n + 3];
            float[] eProd = new float[n + 3];
            for (int i = 0; i < n; i++) {
                eSum[3 + i] = (float) ((double) a[2 + i] + b[1 + i]);
                eDiff[3 + i] = (float) ((double) a[2 + i] - b[1 + i]);
                eProd[3 + i] = (float) ((double) a[2 + i] * b[1 + i]);
            }
            assertBitsEqual(eSum, sum, "add n=" + n);
            assertBitsEqual(eDiff, diff, "sub n=" + n);
            assertBitsEqual(eProd, prod, "mul n=" + n);
        }
    }

    @Test
    void scaleAndAxpy() {
        for (int n : SIZES) {
            float[] x = randomFloats(random, n, 1f);
            float[] y = randomFloats(random, n, 1f);
            float[] scaled = new float[n];
            Elementwise.scale(x, 0, 0.3f, scaled, 0, 0, n);
            float[] axpy = y.clone();
            Elementwise.axpy(-1.7f, x, 0, axpy, 0, 0, n);
            float[] eScaled = new float[n];
            float[] eAxpy = new float[n];
            for (int i = 0; i < n; i++) {
                eScaled[i] = (float) (0.3f * (double) x[i]);
                eAxpy[i] = (float) (y[i] + (double) (float) (-1.7f * (double) x[i]));
            }
            assertBitsEqual(eScaled, scaled, "scale n=" + n);
            assertBitsEqual(eAxpy, axpy, "axpy n=" + n);
        }
    }

    @Test
    void rowBroadcastAppliesTheRowToEveryRow() {
        for (int n : new int[] {1, 5, 16, 37}) {
            int rows = 4;
            float[] x = randomFloats(random, rows * n, 1f);
            float[] row = randomFloats(random, n, 1f);
            float[] sum = new float[rows * n];
            float[] diff = new float[rows * n];
            float[] prod = new float[rows * n];
            Elementwise.addRow(x, 0, row, 0, sum, 0, n, 0, rows);
            Elementwise.subRow(x, 0, row, 0, diff, 0, n, 0, 2);
            Elementwise.subRow(x, 0, row, 0, diff, 0, n, 2, rows);
            Elementwise.mulRow(x, 0, row, 0, prod, 0, n, 0, rows);
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < n; j++) {
                    int i = r * n + j;
                    if (sum[i] != x[i] + row[j] || diff[i] != x[i] - row[j] || prod[i] != x[i] * row[j]) {
                        throw new AssertionError("row broadcast wrong at row " + r + " column " + j + ", n=" + n);
                    }
                }
            }
        }
    }

    @Test
    void splittingAndAliasingGiveIdenticalBits() {
        int n = 1001;
        float[] a = randomFloats(random, n, 1f);
        float[] b = randomFloats(random, n, 1f);
        float[] whole = new float[n];
        Elementwise.axpy(0.25f, b, 0, whole, 0, 0, n);
        Elementwise.mul(whole, 0, a, 0, whole, 0, 0, n);
        float[] parts = new float[n];
        for (int[] r : new int[][] {{0, 3}, {3, 500}, {500, n}}) {
            Elementwise.axpy(0.25f, b, 0, parts, 0, r[0], r[1]);
            Elementwise.mul(parts, 0, a, 0, parts, 0, r[0], r[1]);
        }
        assertBitsEqual(whole, parts, "split axpy then in-place mul");
    }

    @Test
    void badShapesNameTheOp() {
        float[] a = new float[8];
        assertRejected("add", () -> Elementwise.add(a, 0, a, 1, a, 0, 0, 8));
        assertRejected("sub", () -> Elementwise.sub(a, 0, a, 0, a, 0, -1, 8));
        assertRejected("mul", () -> Elementwise.mul(a, 0, null, 0, a, 0, 0, 8));
        assertRejected("scale", () -> Elementwise.scale(a, 0, 1f, a, 4, 0, 5));
        assertRejected("axpy", () -> Elementwise.axpy(1f, a, 0, a, 0, 5, 4));
        assertRejected("addRow", () -> Elementwise.addRow(a, 0, a, 0, a, 0, 3, 0, 3));
        assertRejected("mulRow", () -> Elementwise.mulRow(a, 0, new float[2], 0, a, 0, 4, 0, 2));
        assertRejected("subRow", () -> Elementwise.subRow(a, 0, a, 0, a, 0, 0, 0, 2));
    }
}
