package dev.kiln.hal.tck.reference.math;

import dev.kiln.api.backend.Kernels.Reduction;

/** Row reductions. */
public final class Reductions {

    private Reductions() {}

    /** SUM, MEAN or MAX of each row; MAX propagates NaN, as torch.amax does. */
    public static double[] reduce(Reduction op, double[] x, int rows, int cols) {
        double[] out = new double[rows];
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) {
                sum += x[r * cols + c];
                max = Math.max(max, x[r * cols + c]);
            }
            out[r] = switch (op) {
                case SUM -> sum;
                case MEAN -> sum / cols;
                case MAX -> max;
            };
        }
        return out;
    }

    public static double sumOfSquares(double[] x) {
        double sum = 0;
        for (double value : x) {
            sum += value * value;
        }
        return sum;
    }
}
