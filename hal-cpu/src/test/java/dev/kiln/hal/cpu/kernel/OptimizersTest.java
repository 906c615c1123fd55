package dev.kiln.hal.cpu.kernel;

import static dev.kiln.hal.cpu.kernel.KernelAsserts.assertBitsEqual;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.assertClose;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.assertRejected;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.randomFloats;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.toDouble;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class OptimizersTest {

    private static final double LR = 1e-3, BETA1 = 0.9, BETA2 = 0.999, EPS = 1e-8, WD = 0.01;

    private final Random random = new Random(71);

    @Test
    void adamWTracksTheDoubleReferenceOverSeveralSteps() {
        for (int n : KernelAsserts.SIZES) {
            float[] p = randomFloats(random, n, 1f);
            float[] m = new float[n];
            float[] v = new float[n];
            double[] pd = toDouble(p), md = new double[n], vd = new double[n];
            for (int step = 1; step <= 5; step++) {
                float[] g = randomFloats(random, n, 0.1f);
                Optimizers.adamW(p, 0, g, 0, m, 0, v, 0, LR, BETA1, BETA2, EPS, WD, step, 0, n);
                ScalarReference.adamW(pd, toDouble(g), md, vd, LR, BETA1, BETA2, EPS, WD, step);
            }
            assertClose(pd, p, 1e-6, 1e-7, "param n=" + n);
            assertClose(md, m, 1e-5, 1e-8, "m n=" + n);
            assertClose(vd, v, 1e-5, 1e-10, "v n=" + n);
        }
    }

    @Test
    void theFirstStepMovesEachParameterByAboutTheLearningRate() {
        float[] p = {1f, -1f, 0f};
        float[] g = {0.5f, -2f, 1e-3f};
        Optimizers.adamW(p, 0, g, 0, new float[3], 0, new float[3], 0, 0.1, BETA1, BETA2, EPS, 0.0, 1, 0, 3);
        // step 1: m_hat = g, v_hat = g^2, so the update is lr * sign(g)
        assertClose(0.9, p[0], 1e-6, 0, "p0");
        assertClose(-0.9, p[1], 1e-6, 0, "p1");
        assertClose(-0.1, p[2], 1e-4, 0, "p2");
    }

    @Test
    void splitsGiveIdenticalBits() {
        int n = 1000;
        float[] p1 = randomFloats(random, n, 1f), g = randomFloats(random, n, 0.1f);
        float[] m1 = randomFloats(random, n, 0.01f), v1 = new float[n];
        for (int i = 0; i < n; i++) {
            v1[i] = Math.abs(m1[i]);
        }
        float[] p2 = p1.clone(), m2 = m1.clone(), v2 = v1.clone();
        Optimizers.adamW(p1, 0, g, 0, m1, 0, v1, 0, LR, BETA1, BETA2, EPS, WD, 7, 0, n);
        for (int[] s : new int[][] {{0, 3}, {3, 333}, {333, n}}) {
            Optimizers.adamW(p2, 0, g, 0, m2, 0, v2, 0, LR, BETA1, BETA2, EPS, WD, 7, s[0], s[1]);
        }
        assertBitsEqual(p1, p2, "param");
        assertBitsEqual(m1, m2, "m");
        assertBitsEqual(v1, v2, "v");
    }

    @Test
    void gradientClippingFollowsClipGradNorm() {
        int n = 5000;
        float[] g = randomFloats(random, n, 1f);
        double expectedSquares = 0;
        for (float x : g) {
            expectedSquares += (double) x * x;
        }
        int[][] ranges = {{0, 1234}, {1234, 1235}, {1235, n}};
        double[] partials = new double[ranges.length];
        for (int i = 0; i < ranges.length; i++) {
            partials[i] = Optimizers.sumOfSquares(g, 0, ranges[i][0], ranges[i][1]);
        }
        double norm = Optimizers.globalNorm(partials, 0, partials.length);
        assertClose(Math.sqrt(expectedSquares), norm, 1e-7, 0, "global norm");

        float coefficient = Optimizers.clipCoefficient(norm, 1.0);
        assertEquals((float) (1.0 / (norm + 1e-6)), coefficient);
        float[] clipped = g.clone();
        for (int[] r : ranges) {
            Optimizers.scaleGradients(clipped, 0, coefficient, r[0], r[1]);
        }
        double clippedSquares = 0;
        for (float x : clipped) {
            clippedSquares += (double) x * x;
        }
        assertClose(1.0, Math.sqrt(clippedSquares), 1e-5, 0, "norm after clipping");
        assertEquals(1f, Optimizers.clipCoefficient(0.5, 1.0), "small gradients are left alone");
        assertEquals(1f, Optimizers.clipCoefficient(0.0, 1.0));
        assertEquals(0f, Optimizers.clipCoefficient(Double.POSITIVE_INFINITY, 1.0));
        assertTrue(Float.isNaN(Optimizers.clipCoefficient(Double.NaN, 1.0)));
    }

    @Test
    void badArgumentsNameTheOp() {
        float[] a = new float[4];
        assertRejected("adamW", () -> Optimizers.adamW(a, 0, a, 0, a, 0, new float[3], 0, LR, BETA1, BETA2, EPS, WD, 1, 0, 4));
        assertRejected("adamW", () -> Optimizers.adamW(a, 0, a, 0, a, 0, a, 0, LR, BETA1, BETA2, EPS, WD, 0, 0, 4));
        assertRejected("adamW", () -> Optimizers.adamW(a, 0, a, 0, a, 0, a, 0, LR, 1.0, BETA2, EPS, WD, 1, 0, 4));
        assertRejected("adamW", () -> Optimizers.adamW(a, 0, a, 0, a, 0, a, 0, -LR, BETA1, BETA2, EPS, WD, 1, 0, 4));
        assertRejected("clipCoefficient", () -> Optimizers.clipCoefficient(1.0, 0.0));
        assertRejected("sumOfSquares", () -> Optimizers.sumOfSquares(a, 1, 0, 4));
        assertRejected("sumInOrder", () -> Optimizers.globalNorm(new double[2], 1, 2));
    }
}
