package dev.kiln.hal.tck.reference.math;

/** RMSNorm and LayerNorm over the rows of a {@code rows × dim} matrix, and their gradients. */
public final class Normalization {

    private Normalization() {}

    /** {@code out = x / sqrt(mean(x^2) + eps) * weight}, with 1/rms of each row. */
    public record RmsNormed(double[] out, double[] rstd) {}

    /** {@code out = (x - mean) / sqrt(var + eps) * weight + bias}, var the biased variance. */
    public record LayerNormed(double[] out, double[] mean, double[] rstd) {}

    public static RmsNormed rmsNorm(double[] x, double[] weight, int rows, int dim, double eps) {
        double[] out = new double[rows * dim];
        double[] rstd = new double[rows];
        for (int r = 0; r < rows; r++) {
            double sumOfSquares = 0;
            for (int j = 0; j < dim; j++) {
                sumOfSquares += x[r * dim + j] * x[r * dim + j];
            }
            rstd[r] = 1 / Math.sqrt(sumOfSquares / dim + eps);
            for (int j = 0; j < dim; j++) {
                out[r * dim + j] = x[r * dim + j] * rstd[r] * weight[j];
            }
        }
        return new RmsNormed(out, rstd);
    }

    /**
     * Returns dx and adds into {@code dWeight}. With {@code xhat = x rstd} and {@code g = weight
     * dOut}: {@code dx = rstd (g - xhat mean(g xhat))}, {@code dWeight += sum over rows of dOut
     * xhat}. Uses the saved rstd as given.
     */
    public static double[] rmsNormBackward(double[] x, double[] weight, double[] rstd, double[] dOut,
            double[] dWeight, int rows, int dim) {
        double[] dx = new double[rows * dim];
        for (int r = 0; r < rows; r++) {
            double meanOfGradTimesXhat = 0;
            for (int j = 0; j < dim; j++) {
                int i = r * dim + j;
                double xhat = x[i] * rstd[r];
                meanOfGradTimesXhat += weight[j] * dOut[i] * xhat;
                dWeight[j] += dOut[i] * xhat;
            }
            meanOfGradTimesXhat /= dim;
            for (int j = 0; j < dim; j++) {
                int i = r * dim + j;
                dx[i] = rstd[r] * (weight[j] * dOut[i] - x[i] * rstd[r] * meanOfGradTimesXhat);
            }
        }
        return dx;
    }

    public static LayerNormed layerNorm(double[] x, double[] weight, double[] bias, int rows, int dim,
            double eps) {
        double[] out = new double[rows * dim];
        double[] mean = new double[rows];
        double[] rstd = new double[rows];
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            for (int j = 0; j < dim; j++) {
                sum += x[r * dim + j];
            }
            mean[r] = sum / dim;
            // Two passes: the variance from the centred values does not cancel.
            double sumOfSquares = 0;
            for (int j = 0; j < dim; j++) {
                double centred = x[r * dim + j] - mean[r];
                sumOfSquares += centred * centred;
            }
            rstd[r] = 1 / Math.sqrt(sumOfSquares / dim + eps);
            for (int j = 0; j < dim; j++) {
                out[r * dim + j] = (x[r * dim + j] - mean[r]) * rstd[r] * weight[j] + bias[j];
            }
        }
        return new LayerNormed(out, mean, rstd);
    }

    /**
     * Returns dx and adds into dWeight and dBias. With {@code xhat = (x - mean) rstd} and
     * {@code g = weight dOut}: {@code dx = rstd (g - mean(g) - xhat mean(g xhat))},
     * {@code dWeight += sum dOut xhat}, {@code dBias += sum dOut}. Uses the saved mean and rstd.
     */
    public static double[] layerNormBackward(double[] x, double[] weight, double[] mean, double[] rstd,
            double[] dOut, double[] dWeight, double[] dBias, int rows, int dim) {
        double[] dx = new double[rows * dim];
        for (int r = 0; r < rows; r++) {
            double meanOfGrad = 0;
            double meanOfGradTimesXhat = 0;
            for (int j = 0; j < dim; j++) {
                int i = r * dim + j;
                double xhat = (x[i] - mean[r]) * rstd[r];
                double g = weight[j] * dOut[i];
                meanOfGrad += g;
                meanOfGradTimesXhat += g * xhat;
                dWeight[j] += dOut[i] * xhat;
                dBias[j] += dOut[i];
            }
            meanOfGrad /= dim;
            meanOfGradTimesXhat /= dim;
            for (int j = 0; j < dim; j++) {
                int i = r * dim + j;
                double xhat = (x[i] - mean[r]) * rstd[r];
                dx[i] = rstd[r] * (weight[j] * dOut[i] - meanOfGrad - xhat * meanOfGradTimesXhat);
            }
        }
        return dx;
    }
}
