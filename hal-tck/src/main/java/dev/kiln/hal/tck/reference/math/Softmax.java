package dev.kiln.hal.tck.reference.math;

/** Softmax over the rows of a {@code rows × cols} matrix, and its gradient. */
public final class Softmax {

    private Softmax() {}

    /**
     * {@code exp(x - max) / sum exp(x - max)} per row. A row that is -infinity throughout (fully
     * masked) gives zeros, not NaN.
     */
    public static double[] softmax(double[] x, int rows, int cols) {
        double[] out = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            double lse = logSumExp(x, r * cols, cols);
            for (int c = 0; c < cols; c++) {
                out[r * cols + c] = lse == Double.NEGATIVE_INFINITY ? 0 : Math.exp(x[r * cols + c] - lse);
            }
        }
        return out;
    }

    /** {@code dx = out (dOut - sum(out dOut))} per row. */
    public static double[] softmaxBackward(double[] out, double[] dOut, int rows, int cols) {
        double[] dx = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            double dot = 0;
            for (int c = 0; c < cols; c++) {
                dot += out[r * cols + c] * dOut[r * cols + c];
            }
            for (int c = 0; c < cols; c++) {
                int i = r * cols + c;
                dx[i] = out[i] * (dOut[i] - dot);
            }
        }
        return dx;
    }

    /**
     * {@code log sum exp(x[from .. from+count))}, shifted by the maximum so nothing overflows;
     * -infinity when every element is -infinity (or count is 0).
     */
    public static double logSumExp(double[] x, int from, int count) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = from; i < from + count; i++) {
            max = Math.max(max, x[i]);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            return max;
        }
        double sum = 0;
        for (int i = from; i < from + count; i++) {
            sum += Math.exp(x[i] - max);
        }
        return max + Math.log(sum);
    }
}
