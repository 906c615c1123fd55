package dev.kiln.hal.tck.reference.math;

import dev.kiln.api.backend.Kernels.Activation;
import dev.kiln.api.backend.Kernels.BinaryOp;

/** Elementwise arithmetic and the activations with their derivatives. */
public final class Pointwise {

    /** sqrt(2 / pi), the constant of the tanh approximation of GELU. */
    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
    private static final double GELU_TANH_CUBIC = 0.044715;

    private Pointwise() {}

    /** {@code a op b} over rows × cols; with {@code broadcastB}, b is one row used for every row. */
    public static double[] binary(BinaryOp op, double[] a, double[] b, int rows, int cols, boolean broadcastB) {
        double[] out = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int i = r * cols + c;
                out[i] = apply(op, a[i], b[broadcastB ? c : i]);
            }
        }
        return out;
    }

    public static double apply(BinaryOp op, double a, double b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
        };
    }

    /**
     * The activation: SiLU {@code x sigmoid(x)}; GELU_ERF {@code x Phi(x)} with the exact normal
     * CDF; GELU_TANH the tanh approximation ("gelu_new", "gelu_pytorch_tanh"); RELU
     * {@code max(x, 0)}.
     */
    public static double activation(Activation act, double x) {
        return switch (act) {
            case SILU -> x * sigmoid(x);
            case GELU_ERF -> 0.5 * x * (1 + erf(x / Math.sqrt(2)));
            case GELU_TANH -> 0.5 * x * (1 + Math.tanh(geluTanhArgument(x)));
            case RELU -> x > 0 ? x : 0;
        };
    }

    /** The derivative of {@link #activation}; RELU's derivative at 0 is 0, as in PyTorch. */
    public static double activationDerivative(Activation act, double x) {
        return switch (act) {
            case SILU -> {
                double s = sigmoid(x);
                yield s * (1 + x * (1 - s));
            }
            case GELU_ERF -> 0.5 * (1 + erf(x / Math.sqrt(2))) + x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
            case GELU_TANH -> {
                double t = Math.tanh(geluTanhArgument(x));
                double dArgument = SQRT_2_OVER_PI * (1 + 3 * GELU_TANH_CUBIC * x * x);
                yield 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * dArgument;
            }
            case RELU -> x > 0 ? 1 : 0;
        };
    }

    public static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /**
     * The error function, from the series {@code erf(x) = 2/sqrt(pi) e^(-x^2) sum_n (2x^2)^n x /
     * (1·3·…·(2n+1))}: every term has the sign of x, so nothing cancels and the sum is accurate to
     * a few ulps. Beyond |x| = 6, erf is ±1 in double.
     */
    public static double erf(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        if (Math.abs(x) >= 6) {
            return Math.signum(x);
        }
        double term = x;
        double sum = x;
        for (int n = 1; Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
            term *= 2 * x * x / (2 * n + 1);
            sum += term;
        }
        return 2 / Math.sqrt(Math.PI) * Math.exp(-x * x) * sum;
    }

    private static double geluTanhArgument(double x) {
        return SQRT_2_OVER_PI * (x + GELU_TANH_CUBIC * x * x * x);
    }
}
