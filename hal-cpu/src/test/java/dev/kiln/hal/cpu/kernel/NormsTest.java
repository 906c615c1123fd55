package dev.kiln.hal.cpu.kernel;

import static dev.kiln.hal.cpu.kernel.KernelAsserts.assertBitsEqual;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.assertClose;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.assertRejected;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.dot;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.numericGradient;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.randomFloats;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.toDouble;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NormsTest {

    private static final int[] WIDTHS = {1, 2, 3, 7, 16, 17, 33, 100, 257};
    private static final float EPS = 1e-5f;

    private final Random random = new Random(21);

    @Test
    void rmsNormForwardMatchesTheReference() {
        for (float weightOffset : new float[] {0f, 1f}) {
            for (int n : WIDTHS) {
                int rows = 3;
                float[] x = randomFloats(random, 2 + rows * n, 2f);
                float[] w = randomFloats(random, 1 + n, 1f);
                float[] y = new float[rows * n];
                float[] rstd = new float[rows + 1];
                Norms.rmsNorm(x, 2, w, 1, y, 0, rstd, 1, n, EPS, weightOffset, 0, rows);
                double[] xs = Arrays.copyOfRange(toDouble(x), 2, x.length);
                double[] ws = Arrays.copyOfRange(toDouble(w), 1, w.length);
                String what = "rmsNorm n=" + n + " offset=" + weightOffset;
                assertClose(ScalarReference.rmsNorm(xs, ws, n, EPS, weightOffset), y, 3e-6, 1e-6, what);
                for (int r = 0; r < rows; r++) {
                    double ss = 0;
                    for (int j = 0; j < n; j++) {
                        ss += xs[r * n + j] * xs[r * n + j];
                    }
                    assertClose(1 / Math.sqrt(ss / n + EPS), rstd[1 + r], 2e-6, 0, what + " rstd");
                }
            }
        }
    }

    @Test
    void rmsNormBackwardMatchesFiniteDifferences() {
        for (float weightOffset : new float[] {0f, 1f}) {
            for (int n : new int[] {1, 3, 17, 40}) {
                int rows = 3;
                float[] x = randomFloats(random, rows * n, 1.5f);
                float[] w = randomFloats(random, n, 1f);
                float[] r = randomFloats(random, rows * n, 1f);
                float[] y = new float[rows * n];
                float[] rstd = new float[rows];
                Norms.rmsNorm(x, 0, w, 0, y, 0, rstd, 0, n, EPS, weightOffset, 0, rows);
                float[] dx = new float[rows * n];
                float[] dw = new float[n];
                Norms.rmsNormBackward(x, 0, w, 0, rstd, 0, r, 0, dx, 0, dw, 0, n, weightOffset, 0, rows);

                double[] wd = toDouble(w);
                double[] xd = toDouble(x);
                double[] numericDx = numericGradient(xd, xs -> dot(ScalarReference.rmsNorm(xs, wd, n, EPS, weightOffset), r));
                double[] numericDw = numericGradient(wd, ws -> dot(ScalarReference.rmsNorm(xd, ws, n, EPS, weightOffset), r));
                String what = "rmsNorm backward n=" + n + " offset=" + weightOffset;
                assertClose(numericDx, dx, 1e-4, 1e-5, what + " dx");
                assertClose(numericDw, dw, 1e-4, 1e-5, what + " dw");
            }
        }
    }

    @Test
    void layerNormForwardMatchesTheReference() {
        for (boolean withBias : new boolean[] {true, false}) {
            for (int n : WIDTHS) {
                int rows = 3;
                float[] x = randomFloats(random, rows * n, 2f);
                for (int i = 0; i < x.length; i++) {
                    x[i] += 5f; // an offset mean, which one-pass variance would cancel badly
                }
                float[] w = randomFloats(random, n, 1f);
                float[] b = withBias ? randomFloats(random, n, 1f) : null;
                float[] y = new float[rows * n];
                float[] mean = new float[rows];
                float[] rstd = new float[rows];
                Norms.layerNorm(x, 0, w, 0, b, 0, y, 0, mean, 0, rstd, 0, n, EPS, 0, rows);
                double[] expected = ScalarReference.layerNorm(toDouble(x), toDouble(w), b == null ? null : toDouble(b), n, EPS);
                assertClose(expected, y, 1e-5, 2e-5, "layerNorm n=" + n + " bias=" + withBias);
            }
        }
    }

    @Test
    void layerNormBackwardMatchesFiniteDifferences() {
        for (int n : new int[] {1, 2, 5, 17, 40}) {
            int rows = 2;
            float[] x = randomFloats(random, rows * n, 1.5f);
            float[] w = randomFloats(random, n, 1f);
            float[] b = randomFloats(random, n, 1f);
            float[] r = randomFloats(random, rows * n, 1f);
            float[] y = new float[rows * n];
            float[] mean = new float[rows];
            float[] rstd = new float[rows];
            Norms.layerNorm(x, 0, w, 0, b, 0, y, 0, mean, 0, rstd, 0, n, EPS, 0, rows);
            float[] dx = new float[rows * n];
            float[] dw = new float[n];
            float[] db = new float[n];
            Norms.layerNormBackward(x, 0, w, 0, mean, 0, rstd, 0, r, 0, dx, 0, dw, 0, db, 0, n, 0, rows);

            double[] xd = toDouble(x);
            double[] wd = toDouble(w);
            double[] bd = toDouble(b);
            String what = "layerNorm backward n=" + n;
            assertClose(numericGradient(xd, xs -> dot(ScalarReference.layerNorm(xs, wd, bd, n, EPS), r)), dx,
                    2e-4, 2e-5, what + " dx");
            assertClose(numericGradient(wd, ws -> dot(ScalarReference.layerNorm(xd, ws, bd, n, EPS), r)), dw,
                    1e-4, 1e-5, what + " dw");
            assertClose(numericGradient(bd, bs -> dot(ScalarReference.layerNorm(xd, wd, bs, n, EPS), r)), db,
                    1e-5, 1e-6, what + " db");
        }
    }

    @Test
    void rowSplitsGiveIdenticalRowsAndPartialsThatSumToTheWhole() {
        int n = 37;
        int rows = 9;
        float[] x = randomFloats(random, rows * n, 1f);
        float[] w = randomFloats(random, n, 1f);
        float[] b = randomFloats(random, n, 1f);
        float[] dy = randomFloats(random, rows * n, 1f);
        int[][] splits = {{0, 2}, {2, 3}, {3, rows}};

        float[] y1 = new float[rows * n], mean1 = new float[rows], rstd1 = new float[rows], dx1 = new float[rows * n];
        float[] dw1 = new float[n], db1 = new float[n];
        Norms.layerNorm(x, 0, w, 0, b, 0, y1, 0, mean1, 0, rstd1, 0, n, EPS, 0, rows);
        Norms.layerNormBackward(x, 0, w, 0, mean1, 0, rstd1, 0, dy, 0, dx1, 0, dw1, 0, db1, 0, n, 0, rows);

        float[] y2 = new float[rows * n], mean2 = new float[rows], rstd2 = new float[rows], dx2 = new float[rows * n];
        float[] dwParts = new float[splits.length * n], dbParts = new float[splits.length * n];
        for (int p = 0; p < splits.length; p++) {
            int from = splits[p][0], to = splits[p][1];
            Norms.layerNorm(x, 0, w, 0, b, 0, y2, 0, mean2, 0, rstd2, 0, n, EPS, from, to);
            Norms.layerNormBackward(x, 0, w, 0, mean2, 0, rstd2, 0, dy, 0, dx2, 0, dwParts, p * n, dbParts, p * n,
                    n, from, to);
        }
        assertBitsEqual(y1, y2, "layerNorm y");
        assertBitsEqual(mean1, mean2, "layerNorm mean");
        assertBitsEqual(rstd1, rstd2, "layerNorm rstd");
        assertBitsEqual(dx1, dx2, "layerNorm dx");
        float[] dw2 = new float[n], db2 = new float[n];
        Reductions.accumulatePartials(dwParts, 0, splits.length, n, dw2, 0, 0, n);
        Reductions.accumulatePartials(dbParts, 0, splits.length, n, db2, 0, 0, n);
        assertClose(toDouble(dw1), dw2, 1e-5, 1e-6, "layerNorm dw from partials");
        assertClose(toDouble(db1), db2, 1e-5, 1e-6, "layerNorm db from partials");

        float[] ry1 = new float[rows * n], rr1 = new float[rows], rdx1 = new float[rows * n], rdw1 = new float[n];
        Norms.rmsNorm(x, 0, w, 0, ry1, 0, rr1, 0, n, EPS, 0f, 0, rows);
        Norms.rmsNormBackward(x, 0, w, 0, rr1, 0, dy, 0, rdx1, 0, rdw1, 0, n, 0f, 0, rows);
        float[] ry2 = new float[rows * n], rr2 = new float[rows], rdx2 = new float[rows * n];
        for (int[] s : splits) {
            Norms.rmsNorm(x, 0, w, 0, ry2, 0, rr2, 0, n, EPS, 0f, s[0], s[1]);
            Norms.rmsNormBackward(x, 0, w, 0, rr2, 0, dy, 0, rdx2, 0, null, 0, n, 0f, s[0], s[1]);
        }
        assertBitsEqual(ry1, ry2, "rmsNorm y");
        assertBitsEqual(rr1, rr2, "rmsNorm rstd");
        assertBitsEqual(rdx1, rdx2, "rmsNorm dx");
    }

    @Test
    void backwardAddsToThePartialsAndMayOverwriteDy() {
        int n = 20, rows = 2;
        float[] x = randomFloats(random, rows * n, 1f);
        float[] w = randomFloats(random, n, 1f);
        float[] dy = randomFloats(random, rows * n, 1f);
        float[] rstd = new float[rows];
        Norms.rmsNorm(x, 0, w, 0, new float[rows * n], 0, rstd, 0, n, EPS, 0f, 0, rows);
        float[] dx = new float[rows * n];
        float[] once = new float[n];
        Norms.rmsNormBackward(x, 0, w, 0, rstd, 0, dy, 0, dx, 0, once, 0, n, 0f, 0, rows);
        float[] twice = once.clone();
        float[] inPlace = dy.clone();
        Norms.rmsNormBackward(x, 0, w, 0, rstd, 0, inPlace, 0, inPlace, 0, twice, 0, n, 0f, 0, rows);
        assertBitsEqual(dx, inPlace, "dx written over dy");
        for (int j = 0; j < n; j++) {
            assertClose(2.0 * once[j], twice[j], 1e-6, 0, "dw accumulates");
        }
    }

    @Test
    void statisticsMayBeOmittedForInference() {
        int n = 10;
        float[] x = randomFloats(random, n, 1f);
        float[] w = randomFloats(random, n, 1f);
        float[] withStats = new float[n];
        float[] without = new float[n];
        Norms.layerNorm(x, 0, w, 0, null, 0, withStats, 0, new float[1], 0, new float[1], 0, n, EPS, 0, 1);
        Norms.layerNorm(x, 0, w, 0, null, 0, without, 0, null, 0, null, 0, n, EPS, 0, 1);
        assertBitsEqual(withStats, without, "layerNorm without saved statistics");
        Norms.rmsNorm(x, 0, w, 0, without, 0, null, 0, n, EPS, 0f, 0, 1);
    }

    @Test
    void badShapesNameTheOp() {
        float[] a = new float[12];
        assertRejected("rmsNorm", () -> Norms.rmsNorm(a, 0, a, 0, a, 0, a, 0, 5, EPS, 0f, 0, 3));
        assertRejected("rmsNorm", () -> Norms.rmsNorm(a, 0, new float[3], 0, a, 0, null, 0, 4, EPS, 0f, 0, 3));
        assertRejected("rmsNorm", () -> Norms.rmsNorm(a, 0, a, 0, a, 0, null, 0, 4, -1f, 0f, 0, 3));
        assertRejected("rmsNormBackward", () -> Norms.rmsNormBackward(a, 0, a, 0, new float[2], 0, a, 0, a, 0,
                null, 0, 4, 0f, 0, 3));
        assertRejected("layerNorm", () -> Norms.layerNorm(a, 0, a, 0, new float[1], 0, a, 0, null, 0, null, 0,
                4, EPS, 0, 3));
        assertRejected("layerNormBackward", () -> Norms.layerNormBackward(a, 0, a, 0, a, 0, a, 0, a, 0, a, 0,
                a, 0, new float[3], 0, 4, 0, 3));
        assertRejected("layerNorm", () -> Norms.layerNorm(a, 0, a, 0, null, 0, a, 0, null, 0, null, 0, 0, EPS, 0, 1));
    }
}
