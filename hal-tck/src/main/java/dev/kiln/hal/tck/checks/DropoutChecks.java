package dev.kiln.hal.tck.checks;

import dev.kiln.hal.tck.reference.math.Dropout;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * dropout and dropoutBackward: the mask must be exactly the one
 * {@link dev.kiln.hal.tck.reference.ReferenceKernels#dropoutKeep} defines (inputs are never 0,
 * and a relative tolerance without an absolute part lets no dropped element pass as kept or the
 * other way round); kept values are scaled by 1/(1 - p). Includes p 0 and 1 and negative seeds.
 */
public final class DropoutChecks implements CheckFamily {

    private static final float[] PROBABILITIES = {0f, 0.1f, 0.5f, 0.9f, 1f};
    private static final int[] LENGTHS = {1, 17, 4099};

    @Override
    public Stream<DynamicTest> tests(CheckContext context) {
        List<DynamicTest> tests = new ArrayList<>();
        long seed = 0x5EED_0001L;
        for (float p : PROBABILITIES) {
            for (int n : LENGTHS) {
                tests.add(dropout(context, n, p, seed++, false));
            }
            tests.add(dropout(context, 257, p, -seed * 977, true));
        }
        tests.add(dropout(context, 1031, 0.3f, Long.MIN_VALUE, false));
        tests.add(backwardAgainstFiniteDifferences(context, 13, 0.4f, 99));
        return tests.stream();
    }

    private static DynamicTest backwardAgainstFiniteDifferences(CheckContext context, int n, float p, long seed) {
        return context.test("dropoutBackward against finite differences p=" + p + " n=" + n + " seed=" + seed,
                trial -> {
                    double[] x = RandomData.toDouble(RandomData.uniform(trial.random(), n, -1, 1));
                    Twin dOut = trial.input(RandomData.uniform(trial.random(), n, -1, 1));
                    Twin dx = trial.output(n);
                    trial.runOnDevice((kernels, on) -> kernels.dropoutBackward(on.at(dOut), on.at(dx), n, p, seed));
                    double[] r = dOut.values();
                    double[] expected = FiniteDifferences.gradient(x,
                            v -> FiniteDifferences.dot(r, Dropout.apply(v, p, seed)));
                    trial.checkAgainst("dx", dx, expected, Tolerances.finiteDifferences(expected));
                });
    }

    private static DynamicTest dropout(CheckContext context, int n, float p, long seed, boolean backward) {
        String kernel = backward ? "dropoutBackward" : "dropout";
        return context.test(kernel + " p=" + p + " n=" + n + " seed=" + seed + ": mask matches dropoutKeep exactly",
                trial -> {
                    Twin x = trial.input(RandomData.awayFromZero(trial.random(), n, 0.5, 1.5));
                    Twin out = trial.output(n);
                    trial.run((kernels, on) -> {
                        if (backward) {
                            kernels.dropoutBackward(on.at(x), on.at(out), n, p, seed);
                        } else {
                            kernels.dropout(on.at(x), on.at(out), n, p, seed);
                        }
                    });
                    trial.check("out", out, Tolerances.rounding());
                });
    }
}
