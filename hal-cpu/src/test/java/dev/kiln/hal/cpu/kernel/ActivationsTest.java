package dev.kiln.hal.cpu.kernel;

import static dev.kiln.hal.cpu.kernel.KernelAsserts.SIZES;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.assertBitsEqual;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.assertClose;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.assertRejected;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.numericGradient;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.randomFloats;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.toDouble;

import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

class ActivationsTest {

    /** An activation kernel pair under test, with its double reference. */
    private record Unary(String name, Forward forward, Backward backward, DoubleUnaryOperator reference) {}

    @FunctionalInterface
    private interface Forward {
        void apply(float[] x, int xOff, float[] y, int yOff, int from, int to);
    }

    @FunctionalInterface
    private interface Backward {
        void apply(float[] x, int xOff, float[] dy, int dyOff, float[] dx, int dxOff, int from, int to);
    }

    private static final Unary[] UNARY = {
            new Unary("silu", Activations::silu, Activations::siluBackward, ScalarReference::silu),
            new Unary("gelu", Activations::gelu, Activations::geluBackward, ScalarReference::gelu),
            new Unary("geluTanh", Activations::geluTanh, Activations::geluTanhBackward, ScalarReference::geluTanh),
    };

    @Test
    void forwardMatchesTheDoubleReference() {
        Random random = new Random(2);
        for (Unary u : UNARY) {
            for (int n : SIZES) {
                float[] x = randomFloats(random, n + 3, 3f);
                float[] y = new float[n + 5];
                u.forward.apply(x, 3, y, 5, 0, n);
                double[] expected = new double[n];
                for (int i = 0; i < n; i++) {
                    expected[i] = u.reference.applyAsDouble(x[3 + i]);
                }
                assertClose(expected, y, 5, 2e-6, 1e-7, u.name + " n=" + n);
            }
        }
    }

    @Test
    void forwardHandlesLargeAndTinyInputs() {
        float[] x = {-100f, -30f, -10f, -5f, -1e-6f, 0f, 1e-30f, 1e-6f, 5f, 10f, 30f, 100f, 1e4f};
        for (Unary u : UNARY) {
            float[] y = new float[x.length];
            u.forward.apply(x, 0, y, 0, 0, x.length);
            double[] expected = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                expected[i] = u.reference.applyAsDouble(x[i]);
            }
            assertClose(expected, y, 2e-6, 1e-30, u.name);
        }
    }

    @Test
    void exactGeluIsAccurateInItsNegativeTail() {
        float[] x = {-3f, -4f, -5f, -6f, -7f};
        float[] y = new float[x.length];
        Activations.gelu(x, 0, y, 0, 0, x.length);
        for (int i = 0; i < x.length; i++) {
            // relative, though the values fall to 1e-11: no cancellation in 1 + erf(x / sqrt 2)
            assertClose(ScalarReference.gelu(x[i]), y[i], 3e-5, 0, "gelu(" + x[i] + ")");
        }
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        Random random = new Random(3);
        for (Unary u : UNARY) {
            for (int n : new int[] {1, 5, 17, 40}) {
                float[] x = randomFloats(random, n, 2.5f);
                float[] r = randomFloats(random, n, 1f);
                float[] dx = new float[n];
                u.backward.apply(x, 0, r, 0, dx, 0, 0, n);
                double[] numeric = numericGradient(toDouble(x), xs -> {
                    double loss = 0;
                    for (int i = 0; i < n; i++) {
                        loss += u.reference.applyAsDouble(xs[i]) * r[i];
                    }
                    return loss;
                });
                assertClose(numeric, dx, 1e-5, 1e-6, u.name + " backward n=" + n);
            }
        }
    }

    @Test
    void swigluForwardAndBothGradients() {
        Random random = new Random(4);
        for (int n : SIZES) {
            float[] gate = randomFloats(random, n, 2f);
            float[] up = randomFloats(random, n, 2f);
            float[] out = new float[n];
            Activations.swiglu(gate, 0, up, 0, out, 0, 0, n);
            double[] expected = new double[n];
            for (int i = 0; i < n; i++) {
                expected[i] = ScalarReference.silu(gate[i]) * up[i];
            }
            assertClose(expected, out, 2e-6, 1e-7, "swiglu n=" + n);

            float[] r = randomFloats(random, n, 1f);
            float[] dGate = new float[n];
            float[] dUp = new float[n];
            Activations.swigluBackward(gate, 0, up, 0, r, 0, dGate, 0, dUp, 0, 0, n);
            double[] numericGate = numericGradient(toDouble(gate), g -> {
                double loss = 0;
                for (int i = 0; i < n; i++) {
                    loss += ScalarReference.silu(g[i]) * up[i] * r[i];
                }
                return loss;
            });
            double[] numericUp = numericGradient(toDouble(up), u -> {
                double loss = 0;
                for (int i = 0; i < n; i++) {
                    loss += ScalarReference.silu(gate[i]) * u[i] * r[i];
                }
                return loss;
            });
            assertClose(numericGate, dGate, 1e-5, 1e-6, "swiglu dGate n=" + n);
            assertClose(numericUp, dUp, 1e-5, 1e-6, "swiglu dUp n=" + n);
        }
    }

    @Test
    void splittingTheRangeGivesIdenticalBits() {
        Random random = new Random(5);
        int n = 1003;
        float[] x = randomFloats(random, n, 3f);
        float[] dy = randomFloats(random, n, 1f);
        for (Unary u : UNARY) {
            float[] whole = new float[n];
            float[] parts = new float[n];
            u.forward.apply(x, 0, whole, 0, 0, n);
            for (int[] range : new int[][] {{0, 5}, {5, 333}, {333, 334}, {334, n}}) {
                u.forward.apply(x, 0, parts, 0, range[0], range[1]);
            }
            assertBitsEqual(whole, parts, u.name);
            u.backward.apply(x, 0, dy, 0, whole, 0, 0, n);
            for (int[] range : new int[][] {{0, 7}, {7, 500}, {500, n}}) {
                u.backward.apply(x, 0, dy, 0, parts, 0, range[0], range[1]);
            }
            assertBitsEqual(whole, parts, u.name + " backward");
        }
    }

    @Test
    void outputsMayOverwriteTheirInputs() {
        Random random = new Random(6);
        int n = 77;
        float[] gate = randomFloats(random, n, 2f);
        float[] up = randomFloats(random, n, 2f);
        float[] dOut = randomFloats(random, n, 1f);
        float[] dGate = new float[n];
        float[] dUp = new float[n];
        Activations.swigluBackward(gate, 0, up, 0, dOut, 0, dGate, 0, dUp, 0, 0, n);
        Activations.swigluBackward(gate, 0, up, 0, dOut, 0, gate, 0, up, 0, 0, n);
        assertBitsEqual(dGate, gate, "dGate in place");
        assertBitsEqual(dUp, up, "dUp in place");
    }

    @Test
    void badRangesNameTheOp() {
        float[] a = new float[10];
        assertRejected("silu", () -> Activations.silu(a, 0, a, 0, 0, 11));
        assertRejected("geluBackward", () -> Activations.geluBackward(a, 0, a, 5, a, 0, 0, 10));
        assertRejected("geluTanh", () -> Activations.geluTanh(a, 0, a, 0, 4, 3));
        assertRejected("swiglu", () -> Activations.swiglu(a, 0, new float[3], 0, a, 0, 0, 10));
        assertRejected("swigluBackward", () -> Activations.swigluBackward(a, 0, a, 0, a, 0, a, 0, null, 0, 0, 1));
    }
}
