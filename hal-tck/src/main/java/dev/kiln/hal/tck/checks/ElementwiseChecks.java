package dev.kiln.hal.tck.checks;

import dev.kiln.api.backend.Kernels.BinaryOp;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/** binary (each op, with and without broadcast, out aliasing a), scale (also in place), axpy, fill. */
public final class ElementwiseChecks implements CheckFamily {

    /** rows × cols, from one element to rows past common vector widths. */
    private static final int[][] SHAPES = {{1, 1}, {3, 7}, {17, 33}, {5, 130}, {2, 1031}};
    private static final int[] LENGTHS = {1, 7, 65, 1031, 4099};

    @Override
    public Stream<DynamicTest> tests(CheckContext context) {
        List<DynamicTest> tests = new ArrayList<>();
        for (BinaryOp op : BinaryOp.values()) {
            for (int[] s : SHAPES) {
                tests.add(binary(context, op, s[0], s[1], false, false));
                tests.add(binary(context, op, s[0], s[1], true, false));
            }
            tests.add(binary(context, op, 5, 33, false, true));
            tests.add(binary(context, op, 3, 17, true, true));
        }
        for (int n : LENGTHS) {
            tests.add(scale(context, n, false));
            tests.add(axpy(context, n));
            tests.add(fill(context, n, 0.0f));
        }
        tests.add(scale(context, 65, true));
        tests.add(fill(context, 33, -2.5f));
        return tests.stream();
    }

    private static DynamicTest binary(CheckContext context, BinaryOp op, int rows, int cols, boolean broadcastB,
            boolean outIsA) {
        String name = "binary " + op + " rows=" + rows + " cols=" + cols + (broadcastB ? " broadcast b" : "")
                + (outIsA ? " (out aliases a)" : "");
        return context.test(name, trial -> {
            // Divisors stay away from 0 so that DIV compares finite values.
            Twin a = trial.input(RandomData.awayFromZero(trial.random(), rows * cols, 0.25, 2));
            Twin b = trial.input(RandomData.awayFromZero(trial.random(), broadcastB ? cols : rows * cols, 0.25, 2));
            Twin out = outIsA ? a : trial.output(rows * cols);
            trial.run((kernels, on) -> kernels.binary(op, on.at(a), on.at(b), on.at(out), rows, cols, broadcastB));
            trial.check("out", out, Tolerances.rounding());
        });
    }

    private static DynamicTest scale(CheckContext context, int n, boolean inPlace) {
        return context.test("scale n=" + n + (inPlace ? " (out aliases x)" : ""), trial -> {
            Twin x = trial.input(RandomData.uniform(trial.random(), n, -3, 3));
            Twin out = inPlace ? x : trial.output(n);
            trial.run((kernels, on) -> kernels.scale(on.at(x), on.at(out), n, -0.37f));
            trial.check("out", out, Tolerances.rounding());
        });
    }

    private static DynamicTest axpy(CheckContext context, int n) {
        return context.test("axpy n=" + n + " (y accumulates)", trial -> {
            float alpha = 1.7f;
            Twin x = trial.input(RandomData.uniform(trial.random(), n, -3, 3));
            Twin y = trial.input(RandomData.uniform(trial.random(), n, -3, 3));
            double[] size = RandomData.abs(y.values());
            double[] xs = x.values();
            for (int i = 0; i < n; i++) {
                size[i] += Math.abs(alpha * xs[i]);
            }
            trial.run((kernels, on) -> kernels.axpy(alpha, on.at(x), on.at(y), n));
            trial.check("y", y, Tolerance.relative(Tolerances.ROUNDING).relativeTo(size));
        });
    }

    private static DynamicTest fill(CheckContext context, int n, float value) {
        return context.test("fill n=" + n + " value=" + value, trial -> {
            Twin out = trial.output(n);
            trial.run((kernels, on) -> kernels.fill(on.at(out), n, value));
            trial.check("out", out, Tolerance.exact());
        });
    }
}
