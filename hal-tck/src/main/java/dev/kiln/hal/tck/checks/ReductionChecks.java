package dev.kiln.hal.tck.checks;

import dev.kiln.api.backend.Kernels.Reduction;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/** reduce (SUM, MEAN, MAX) over odd row lengths, and sumOfSquares up past a hundred thousand elements. */
public final class ReductionChecks implements CheckFamily {

    /** rows × cols. */
    private static final int[][] SHAPES = {{1, 1}, {3, 7}, {17, 33}, {2, 4099}};
    private static final int[] LENGTHS = {1, 7, 65, 4099, 100_003};

    @Override
    public Stream<DynamicTest> tests(CheckContext context) {
        List<DynamicTest> tests = new ArrayList<>();
        for (Reduction op : Reduction.values()) {
            for (int[] s : SHAPES) {
                tests.add(reduce(context, op, s[0], s[1]));
            }
        }
        for (int n : LENGTHS) {
            tests.add(sumOfSquares(context, n));
        }
        return tests.stream();
    }

    private static DynamicTest reduce(CheckContext context, Reduction op, int rows, int cols) {
        return context.test("reduce " + op + " rows=" + rows + " cols=" + cols, trial -> {
            Twin x = trial.input(RandomData.uniform(trial.random(), rows * cols, -2, 2));
            Twin out = trial.output(rows);
            trial.run((kernels, on) -> kernels.reduce(op, on.at(x), on.at(out), rows, cols));
            if (op == Reduction.MAX) {
                trial.check("out", out, Tolerance.exact());
                return;
            }
            double[] size = new double[rows];
            double[] xs = x.values();
            for (int i = 0; i < xs.length; i++) {
                size[i / cols] += Math.abs(xs[i]) / (op == Reduction.MEAN ? cols : 1);
            }
            trial.check("out", out, Tolerances.accumulation(size));
        });
    }

    private static DynamicTest sumOfSquares(CheckContext context, int n) {
        return context.test("sumOfSquares n=" + n, trial -> {
            Twin x = trial.input(RandomData.uniform(trial.random(), n, -3, 3));
            Trial.Scalars sums = trial.evaluate((kernels, on) -> kernels.sumOfSquares(on.at(x), n));
            trial.checkValue("sum", sums, Tolerance.relative(Tolerances.ACCUMULATION));
        });
    }
}
