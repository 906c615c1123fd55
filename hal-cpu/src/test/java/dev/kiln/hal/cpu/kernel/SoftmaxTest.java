package dev.kiln.hal.cpu.kernel;

import static dev.kiln.hal.cpu.kernel.KernelAsserts.SIZES;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.assertBitsEqual;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.assertClose;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.assertRejected;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.dot;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.numericGradient;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.randomFloats;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.toDouble;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SoftmaxTest {

    private final Random random = new Random(31);

    @Test
    void forwardMatchesTheReference() {
        for (int n : SIZES) {
            int rows = 3;
            float[] x = randomFloats(random, rows * n, 4f);
            float[] y = new float[rows * n];
            Softmax.softmax(x, 0, y, 0, n, 0, rows);
            assertClose(ScalarReference.softmax(toDouble(x), n), y, 3e-6, 1e-9, "softmax n=" + n);
        }
    }

    @Test
    void largeLogitsDoNotOverflow() {
        float[] x = {1000f, 999f, -1000f, 1000f, 88.8f};
        float[] y = new float[x.length];
        Softmax.softmax(x, 0, y, 0, x.length, 0, 1);
        assertClose(ScalarReference.softmax(toDouble(x), x.length), y, 1e-6, 1e-30, "softmax of large logits");
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        for (int n : new int[] {1, 2, 7, 17, 40}) {
            int rows = 2;
            float[] x = randomFloats(random, rows * n, 2f);
            float[] r = randomFloats(random, rows * n, 1f);
            float[] y = new float[rows * n];
            Softmax.softmax(x, 0, y, 0, n, 0, rows);
            float[] dx = new float[rows * n];
            Softmax.softmaxBackward(y, 0, r, 0, dx, 0, n, 0, rows);
            double[] numeric = numericGradient(toDouble(x), xs -> dot(ScalarReference.softmax(xs, n), r));
            assertClose(numeric, dx, 1e-4, 1e-6, "softmax backward n=" + n);
        }
    }

    @Test
    void rowSplitsAndAliasingGiveIdenticalBits() {
        int n = 123, rows = 7;
        float[] x = randomFloats(random, rows * n, 3f);
        float[] dy = randomFloats(random, rows * n, 1f);
        float[] y = new float[rows * n];
        float[] dx = new float[rows * n];
        Softmax.softmax(x, 0, y, 0, n, 0, rows);
        Softmax.softmaxBackward(y, 0, dy, 0, dx, 0, n, 0, rows);
        float[] y2 = x.clone();
        float[] dx2 = dy.clone();
        for (int[] s : new int[][] {{0, 1}, {1, 4}, {4, rows}}) {
            Softmax.softmax(y2, 0, y2, 0, n, s[0], s[1]);
            Softmax.softmaxBackward(y2, 0, dx2, 0, dx2, 0, n, s[0], s[1]);
        }
        assertBitsEqual(y, y2, "softmax in place, split");
        assertBitsEqual(dx, dx2, "softmax backward in place, split");
    }

    @Test
    void badShapesNameTheOp() {
        float[] a = new float[10];
        assertRejected("softmax", () -> Softmax.softmax(a, 0, a, 0, 4, 0, 3));
        assertRejected("softmax", () -> Softmax.softmax(a, 0, a, 0, -1, 0, 1));
        assertRejected("softmaxBackward", () -> Softmax.softmaxBackward(a, 0, a, 0, new float[4], 0, 5, 0, 2));
    }
}
