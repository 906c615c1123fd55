package dev.kiln.hal.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.function.Executable;

/** Test data, tolerance checks and finite differences shared by the kernel tests. */
final class KernelAsserts {

    /** Lengths around the vector width (4, 8 or 16 floats) and a few odd ones. */
    static final int[] SIZES = {1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 64, 100, 257};

    private KernelAsserts() {}

    static float[] randomFloats(Random random, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (random.nextGaussian() * scale);
        }
        return a;
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    /** |expected - actual| <= abs + rel * |expected| for each element. */
    static void assertClose(double[] expected, float[] actual, int actualOff, double rel, double abs, String what) {
        for (int i = 0; i < expected.length; i++) {
            double a = actual[actualOff + i];
            double e = expected[i];
            if (!(Math.abs(e - a) <= abs + rel * Math.abs(e))) {
                fail(what + ": element " + i + " expected " + e + " but was " + a
                        + " (diff " + Math.abs(e - a) + ")");
            }
        }
    }

    static void assertClose(double[] expected, float[] actual, double rel, double abs, String what) {
        assertClose(expected, actual, 0, rel, abs, what);
    }

    static void assertClose(double expected, double actual, double rel, double abs, String what) {
        if (!(Math.abs(expected - actual) <= abs + rel * Math.abs(expected))) {
            fail(what + ": expected " + expected + " but was " + actual);
        }
    }

    static void assertBitsEqual(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(what + ": element " + i + " expected " + expected[i] + " but was " + actual[i]);
            }
        }
    }

    /**
     * The gradient of a scalar function by central differences in double, with steps relative to
     * each coordinate's size.
     */
    static double[] numericGradient(double[] x, ToDoubleFunction<double[]> f) {
        double[] g = new double[x.length];
        double[] probe = x.clone();
        for (int i = 0; i < x.length; i++) {
            double h = 1e-6 * Math.max(1.0, Math.abs(x[i]));
            probe[i] = x[i] + h;
            double up = f.applyAsDouble(probe);
            probe[i] = x[i] - h;
            double down = f.applyAsDouble(probe);
            probe[i] = x[i];
            g[i] = (up - down) / (2 * h);
        }
        return g;
    }

    static double dot(double[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** The call throws IllegalArgumentException whose message names the op. */
    static void assertRejected(String op, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().startsWith(op + ":"), "message should start with '" + op + ":' but was: "
                + e.getMessage());
    }
}
