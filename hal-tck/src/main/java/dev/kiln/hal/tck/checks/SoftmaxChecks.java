package dev.kiln.hal.tck.checks;

import dev.kiln.hal.tck.reference.math.Softmax;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * softmax and softmaxBackward: odd widths, logits large enough to overflow exp without the max
 * shift, -infinity entries, a row that is -infinity throughout (zeros), and the backward against
 * finite differences.
 */
public final class SoftmaxChecks implements CheckFamily {

    /** rows × cols. */
    private static final int[][] SHAPES = {{1, 1}, {3, 7}, {2, 130}, {4, 1025}};

    @Override
    public Stream<DynamicTest> tests(CheckContext context) {
        List<DynamicTest> tests = new ArrayList<>();
        for (int[] s : SHAPES) {
            tests.add(forward(context, s[0], s[1], 0, ""));
            tests.add(backward(context, s[0], s[1]));
        }
        tests.add(forward(context, 3, 33, 100, " (logits near 100: needs the max shift)"));
        tests.add(masked(context, 4, 17));
        tests.add(backwardAgainstFiniteDifferences(context, 2, 6));
        return tests.stream();
    }

    private static DynamicTest forward(CheckContext context, int rows, int cols, double offset, String note) {
        return context.test("softmax rows=" + rows + " cols=" + cols + note, trial -> {
            Twin x = trial.input(RandomData.uniform(trial.random(), rows * cols, offset - 5, offset + 5));
            Twin out = trial.output(rows * cols);
            trial.run((kernels, on) -> kernels.softmax(on.at(x), on.at(out), rows, cols));
            trial.check("out", out, Tolerance.relative(Tolerances.FUNCTIONS).plus(1e-7));
        });
    }

    private static DynamicTest masked(CheckContext context, int rows, int cols) {
        return context.test("softmax rows=" + rows + " cols=" + cols
                + " with -inf entries and a row of -inf throughout (zeros)", trial -> {
            float[] values = RandomData.uniform(trial.random(), rows * cols, -5, 5);
            for (int c = 0; c < cols; c++) {
                values[cols + c] = Float.NEGATIVE_INFINITY; // row 1: fully masked
                if (c % 3 == 0) {
                    values[2 * cols + c] = Float.NEGATIVE_INFINITY; // row 2: partly masked
                }
            }
            Twin x = trial.input(values);
            Twin out = trial.output(rows * cols);
            trial.run((kernels, on) -> kernels.softmax(on.at(x), on.at(out), rows, cols));
            trial.check("out", out, Tolerance.relative(Tolerances.FUNCTIONS).plus(1e-7));
        });
    }

    private static DynamicTest backward(CheckContext context, int rows, int cols) {
        return context.test("softmaxBackward rows=" + rows + " cols=" + cols, trial -> {
            double[] probabilities = Softmax.softmax(
                    RandomData.toDouble(RandomData.uniform(trial.random(), rows * cols, -3, 3)), rows, cols);
            Twin out = trial.input(RandomData.toFloat(probabilities));
            Twin dOut = trial.input(RandomData.uniform(trial.random(), rows * cols, -1, 1));
            Twin dx = trial.output(rows * cols);
            trial.run((kernels, on) -> kernels.softmaxBackward(on.at(out), on.at(dOut), on.at(dx), rows, cols));
            trial.check("dx", dx, Tolerances.accumulation(sizeOfTerms(out.values(), dOut.values(), rows, cols)));
        });
    }

    private static DynamicTest backwardAgainstFiniteDifferences(CheckContext context, int rows, int cols) {
        return context.test("softmaxBackward against finite differences rows=" + rows + " cols=" + cols, trial -> {
            double[] x = RandomData.toDouble(RandomData.uniform(trial.random(), rows * cols, -3, 3));
            Twin out = trial.input(RandomData.toFloat(Softmax.softmax(x, rows, cols)));
            Twin dOut = trial.input(RandomData.uniform(trial.random(), rows * cols, -1, 1));
            Twin dx = trial.output(rows * cols);
            trial.runOnDevice((kernels, on) -> kernels.softmaxBackward(on.at(out), on.at(dOut), on.at(dx), rows, cols));
            double[] r = dOut.values();
            double[] expected = FiniteDifferences.gradient(x, v -> FiniteDifferences.dot(r, Softmax.softmax(v, rows, cols)));
            trial.checkAgainst("dx", dx, expected, Tolerances.finiteDifferences(expected));
        });
    }

    /** {@code out (|dOut| + sum out |dOut|)}: the terms of {@code out (dOut - sum out dOut)}. */
    private static double[] sizeOfTerms(double[] out, double[] dOut, int rows, int cols) {
        double[] size = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            double dot = 0;
            for (int c = 0; c < cols; c++) {
                dot += Math.abs(out[r * cols + c] * dOut[r * cols + c]);
            }
            for (int c = 0; c < cols; c++) {
                size[r * cols + c] = Math.abs(out[r * cols + c]) * (Math.abs(dOut[r * cols + c]) + dot);
            }
        }
        return size;
    }
}
