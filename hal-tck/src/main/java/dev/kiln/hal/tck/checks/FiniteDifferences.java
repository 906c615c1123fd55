package dev.kiln.hal.tck.checks;

import java.util.function.ToDoubleFunction;

/**
 * Gradients by central differences in double, {@code (f(x + h e_i) - f(x - h e_i)) / 2h}: with
 * h = 1e-5 the truncation error (h^2) and the cancellation error (1e-16 / h) both stay near
 * 1e-10, far below what the kit checks gradients to.
 */
final class FiniteDifferences {

    private static final double STEP = 1e-5;

    private FiniteDifferences() {}

    /** The gradient of the scalar {@code f} at {@code x}. */
    static double[] gradient(double[] x, ToDoubleFunction<double[]> f) {
        double[] gradient = new double[x.length];
        double[] probe = x.clone();
        for (int i = 0; i < x.length; i++) {
            double h = STEP * Math.max(1, Math.abs(x[i]));
            probe[i] = x[i] + h;
            double up = f.applyAsDouble(probe);
            probe[i] = x[i] - h;
            double down = f.applyAsDouble(probe);
            probe[i] = x[i];
            gradient[i] = (up - down) / (2 * h);
        }
        return gradient;
    }

    /** {@code sum a_i b_i}: a loss whose gradient with respect to a is b. */
    static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }
}
