package dev.kiln.hal.tck.checks;

import dev.kiln.hal.tck.reference.math.Normalization;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * rmsNorm and layerNorm, forward and backward: against the reference (saved statistics
 * included; dWeight and dBias accumulate into what they held), a case where eps dominates, rows
 * with a large mean for layerNorm, and the backwards against finite differences.
 */
public final class NormChecks implements CheckFamily {

    /** rows × dim. */
    private static final int[][] SHAPES = {{1, 1}, {3, 7}, {2, 65}, {5, 130}, {1, 4097}};
    private static final float EPS = 1e-5f;

    @Override
    public Stream<DynamicTest> tests(CheckContext context) {
        List<DynamicTest> tests = new ArrayList<>();
        for (int[] s : SHAPES) {
            tests.add(rmsNorm(context, s[0], s[1], 1, ""));
            tests.add(rmsNormBackward(context, s[0], s[1]));
            tests.add(layerNorm(context, s[0], s[1], 0));
            tests.add(layerNormBackward(context, s[0], s[1]));
        }
        tests.add(rmsNorm(context, 4, 33, 2e-3, " (eps dominates: tiny inputs)"));
        tests.add(layerNorm(context, 3, 33, 3));
        tests.add(rmsNormBackwardAgainstFiniteDifferences(context, 2, 5));
        tests.add(layerNormBackwardAgainstFiniteDifferences(context, 2, 5));
        return tests.stream();
    }

    private static DynamicTest rmsNorm(CheckContext context, int rows, int dim, double inputSize, String note) {
        return context.test("rmsNorm rows=" + rows + " dim=" + dim + " eps=" + EPS + note, trial -> {
            Twin x = trial.input(RandomData.uniform(trial.random(), rows * dim, -inputSize, inputSize));
            Twin weight = trial.input(RandomData.uniform(trial.random(), dim, 0.5, 1.5));
            Twin out = trial.output(rows * dim);
            Twin rstd = trial.output(rows);
            trial.run((kernels, on) -> kernels.rmsNorm(on.at(x), on.at(weight), on.at(out), on.at(rstd), rows, dim, EPS));
            trial.check("out", out, Tolerances.functions());
            trial.check("rstd", rstd, Tolerance.relative(Tolerances.FUNCTIONS));
        });
    }

    private static DynamicTest rmsNormBackward(CheckContext context, int rows, int dim) {
        return context.test("rmsNormBackward rows=" + rows + " dim=" + dim + " (dWeight accumulates)", trial -> {
            Twin x = trial.input(RandomData.uniform(trial.random(), rows * dim, -2, 2));
            Twin weight = trial.input(RandomData.uniform(trial.random(), dim, 0.5, 1.5));
            Twin rstd = trial.input(RandomData.toFloat(
                    Normalization.rmsNorm(x.values(), weight.values(), rows, dim, EPS).rstd()));
            Twin dOut = trial.input(RandomData.uniform(trial.random(), rows * dim, -1, 1));
            Twin dx = trial.output(rows * dim);
            Twin dWeight = trial.input(RandomData.uniform(trial.random(), dim, -1, 1));
            double[] dWeightSize = weightGradientSize(x.values(), null, rstd.values(), dOut.values(),
                    dWeight.values(), rows, dim);
            double[] dxSize = inputGradientSize(x.values(), null, rstd.values(), weight.values(), dOut.values(),
                    rows, dim);
            trial.run((kernels, on) -> kernels.rmsNormBackward(on.at(x), on.at(weight), on.at(rstd), on.at(dOut),
                    on.at(dx), on.at(dWeight), rows, dim));
            trial.check("dx", dx, Tolerances.accumulation(dxSize));
            trial.check("dWeight", dWeight, Tolerances.accumulation(dWeightSize));
        });
    }

    private static DynamicTest rmsNormBackwardAgainstFiniteDifferences(CheckContext context, int rows, int dim) {
        return context.test("rmsNormBackward against finite differences rows=" + rows + " dim=" + dim, trial -> {
            Twin x = trial.input(RandomData.uniform(trial.random(), rows * dim, -2, 2));
            Twin weight = trial.input(RandomData.uniform(trial.random(), dim, 0.5, 1.5));
            double[] xs = x.values();
            double[] ws = weight.values();
            Twin rstd = trial.input(RandomData.toFloat(Normalization.rmsNorm(xs, ws, rows, dim, EPS).rstd()));
            Twin dOut = trial.input(RandomData.uniform(trial.random(), rows * dim, -1, 1));
            Twin dx = trial.output(rows * dim);
            Twin dWeight = trial.input(new float[dim]);
            trial.runOnDevice((kernels, on) -> kernels.rmsNormBackward(on.at(x), on.at(weight), on.at(rstd),
                    on.at(dOut), on.at(dx), on.at(dWeight), rows, dim));
            double[] r = dOut.values();
            double[] expectedDx = FiniteDifferences.gradient(xs,
                    v -> FiniteDifferences.dot(r, Normalization.rmsNorm(v, ws, rows, dim, EPS).out()));
            double[] expectedDWeight = FiniteDifferences.gradient(ws,
                    v -> FiniteDifferences.dot(r, Normalization.rmsNorm(xs, v, rows, dim, EPS).out()));
            trial.checkAgainst("dx", dx, expectedDx, Tolerances.finiteDifferences(expectedDx));
            trial.checkAgainst("dWeight", dWeight, expectedDWeight, Tolerances.finiteDifferences(expectedDWeight));
        });
    }

    private static DynamicTest layerNorm(CheckContext context, int rows, int dim, double mean) {
        String note = mean != 0 ? " (rows with mean " + mean + ")" : "";
        return context.test("layerNorm rows=" + rows + " dim=" + dim + " eps=" + EPS + note, trial -> {
            Twin x = trial.input(RandomData.uniform(trial.random(), rows * dim, mean - 1, mean + 1));
            Twin weight = trial.input(RandomData.uniform(trial.random(), dim, 0.5, 1.5));
            Twin bias = trial.input(RandomData.uniform(trial.random(), dim, -0.5, 0.5));
            Twin out = trial.output(rows * dim);
            Twin meanOut = trial.output(rows);
            Twin rstd = trial.output(rows);
            trial.run((kernels, on) -> kernels.layerNorm(on.at(x), on.at(weight), on.at(bias), on.at(out),
                    on.at(meanOut), on.at(rstd), rows, dim, EPS));
            trial.check("out", out, Tolerances.functions());
            trial.check("mean", meanOut, Tolerances.accumulation(rowMeansOfAbs(x.values(), rows, dim)));
            trial.check("rstd", rstd, Tolerance.relative(Tolerances.FUNCTIONS));
        });
    }

    private static DynamicTest layerNormBackward(CheckContext context, int rows, int dim) {
        return context.test("layerNormBackward rows=" + rows + " dim=" + dim + " (dWeight, dBias accumulate)", trial -> {
            Twin x = trial.input(RandomData.uniform(trial.random(), rows * dim, -2, 2));
            Twin weight = trial.input(RandomData.uniform(trial.random(), dim, 0.5, 1.5));
            Twin bias = trial.input(RandomData.uniform(trial.random(), dim, -0.5, 0.5));
            Normalization.LayerNormed saved = Normalization.layerNorm(x.values(), weight.values(), bias.values(),
                    rows, dim, EPS);
            Twin mean = trial.input(RandomData.toFloat(saved.mean()));
            Twin rstd = trial.input(RandomData.toFloat(saved.rstd()));
            Twin dOut = trial.input(RandomData.uniform(trial.random(), rows * dim, -1, 1));
            Twin dx = trial.output(rows * dim);
            Twin dWeight = trial.input(RandomData.uniform(trial.random(), dim, -1, 1));
            Twin dBias = trial.input(RandomData.uniform(trial.random(), dim, -1, 1));
            double[] dWeightSize = weightGradientSize(x.values(), mean.values(), rstd.values(), dOut.values(),
                    dWeight.values(), rows, dim);
            double[] dBiasSize = weightGradientSize(null, null, null, dOut.values(), dBias.values(), rows, dim);
            double[] dxSize = inputGradientSize(x.values(), mean.values(), rstd.values(), weight.values(),
                    dOut.values(), rows, dim);
            trial.run((kernels, on) -> kernels.layerNormBackward(on.at(x), on.at(weight), on.at(mean), on.at(rstd),
                    on.at(dOut), on.at(dx), on.at(dWeight), on.at(dBias), rows, dim));
            trial.check("dx", dx, Tolerances.accumulation(dxSize));
            trial.check("dWeight", dWeight, Tolerances.accumulation(dWeightSize));
            trial.check("dBias", dBias, Tolerances.accumulation(dBiasSize));
        });
    }

    private static DynamicTest layerNormBackwardAgainstFiniteDifferences(CheckContext context, int rows, int dim) {
        return context.test("layerNormBackward against finite differences rows=" + rows + " dim=" + dim, trial -> {
            Twin x = trial.input(RandomData.uniform(trial.random(), rows * dim, -2, 2));
            Twin weight = trial.input(RandomData.uniform(trial.random(), dim, 0.5, 1.5));
            Twin bias = trial.input(RandomData.uniform(trial.random(), dim, -0.5, 0.5));
            double[] xs = x.values();
            double[] ws = weight.values();
            double[] bs = bias.values();
            Normalization.LayerNormed saved = Normalization.layerNorm(xs, ws, bs, rows, dim, EPS);
            Twin mean = trial.input(RandomData.toFloat(saved.mean()));
            Twin rstd = trial.input(RandomData.toFloat(saved.rstd()));
            Twin dOut = trial.input(RandomData.uniform(trial.random(), rows * dim, -1, 1));
            Twin dx = trial.output(rows * dim);
            Twin dWeight = trial.input(new float[dim]);
            Twin dBias = trial.input(new float[dim]);
            trial.runOnDevice((kernels, on) -> kernels.layerNormBackward(on.at(x), on.at(weight), on.at(mean),
                    on.at(rstd), on.at(dOut), on.at(dx), on.at(dWeight), on.at(dBias), rows, dim));
            double[] r = dOut.values();
            double[] expectedDx = FiniteDifferences.gradient(xs,
                    v -> FiniteDifferences.dot(r, Normalization.layerNorm(v, ws, bs, rows, dim, EPS).out()));
            double[] expectedDWeight = FiniteDifferences.gradient(ws,
                    v -> FiniteDifferences.dot(r, Normalization.layerNorm(xs, v, bs, rows, dim, EPS).out()));
            double[] expectedDBias = FiniteDifferences.gradient(bs,
                    v -> FiniteDifferences.dot(r, Normalization.layerNorm(xs, ws, v, rows, dim, EPS).out()));
            trial.checkAgainst("dx", dx, expectedDx, Tolerances.finiteDifferences(expectedDx));
            trial.checkAgainst("dWeight", dWeight, expectedDWeight, Tolerances.finiteDifferences(expectedDWeight));
            trial.checkAgainst("dBias", dBias, expectedDBias, Tolerances.finiteDifferences(expectedDBias));
        });
    }

    /**
     * The size of the terms of dx: {@code rstd (|g| + mean|g| + |xhat| mean|g xhat|)} with
     * {@code g = weight dOut}; for RMSNorm (mean null) without the {@code mean|g|} term. The terms
     * cancel where a row is nearly constant, so |dx| itself would be too strict a scale.
     */
    private static double[] inputGradientSize(double[] x, double[] mean, double[] rstd, double[] weight,
            double[] dOut, int rows, int dim) {
        double[] size = new double[rows * dim];
        for (int r = 0; r < rows; r++) {
            double meanOfGrad = 0;
            double meanOfGradTimesXhat = 0;
            for (int j = 0; j < dim; j++) {
                int i = r * dim + j;
                double xhat = (x[i] - (mean == null ? 0 : mean[r])) * rstd[r];
                meanOfGrad += Math.abs(weight[j] * dOut[i]) / dim;
                meanOfGradTimesXhat += Math.abs(weight[j] * dOut[i] * xhat) / dim;
            }
            for (int j = 0; j < dim; j++) {
                int i = r * dim + j;
                double xhat = (x[i] - (mean == null ? 0 : mean[r])) * rstd[r];
                size[i] = rstd[r] * (Math.abs(weight[j] * dOut[i]) + (mean == null ? 0 : meanOfGrad)
                        + Math.abs(xhat) * meanOfGradTimesXhat);
            }
        }
        return size;
    }

    /**
     * {@code |initial| + sum over rows |dOut × xhat|} per column, the size of what a weight
     * gradient sums; xhat is {@code (x - mean) rstd}, or 1 when x is null (the bias).
     */
    private static double[] weightGradientSize(double[] x, double[] mean, double[] rstd, double[] dOut,
            double[] initial, int rows, int dim) {
        double[] size = RandomData.abs(initial);
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < dim; j++) {
                int i = r * dim + j;
                double xhat = x == null ? 1 : (x[i] - (mean == null ? 0 : mean[r])) * rstd[r];
                size[j] += Math.abs(dOut[i] * xhat);
            }
        }
        return size;
    }

    /** The mean of |x| of each row: what a row mean's rounding error scales with. */
    private static double[] rowMeansOfAbs(double[] x, int rows, int dim) {
        double[] means = new double[rows];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < dim; j++) {
                means[r] += Math.abs(x[r * dim + j]) / dim;
            }
        }
        return means;
    }
}
