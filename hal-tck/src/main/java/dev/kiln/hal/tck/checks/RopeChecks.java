package dev.kiln.hal.tck.checks;

import dev.kiln.api.backend.RopeSpec;
import dev.kiln.api.backend.RopeSpec.Scaling;
import dev.kiln.hal.tck.reference.math.Rotary;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * rope: rotate-half and interleaved pairs, partial rotary (the dims past rotaryDim untouched),
 * linear and llama3 rope_scaling at positions past the original context, one-token decode, the
 * inverse (the backward) against the reference, as a round trip, and against finite differences.
 */
public final class RopeChecks implements CheckFamily {

    @Override
    public Stream<DynamicTest> tests(CheckContext context) {
        List<DynamicTest> tests = new ArrayList<>();
        for (boolean interleaved : new boolean[] {false, true}) {
            tests.add(rotate(context, spec(8, 8, 10_000, interleaved, Scaling.NONE), 5, 3, 300, false));
            tests.add(rotate(context, spec(64, 64, 10_000, interleaved, Scaling.NONE), 7, 2, 2_000, false));
            tests.add(rotate(context, spec(16, 8, 10_000, interleaved, Scaling.NONE), 5, 3, 300, false));
            tests.add(rotate(context, spec(34, 18, 1_000_000, interleaved, Scaling.NONE), 3, 5, 300, false));
            tests.add(rotate(context, spec(32, 32, 10_000, interleaved, Scaling.linear(4)), 6, 2, 1_000, false));
            tests.add(rotate(context, spec(64, 64, 10_000, interleaved, Scaling.NONE), 7, 2, 2_000, true));
            tests.add(rotate(context, spec(16, 8, 10_000, interleaved, Scaling.NONE), 5, 3, 300, true));
        }
        Scaling llama3 = Scaling.llama3(8, 1, 4, 8192);
        tests.add(rotate(context, spec(32, 32, 500_000, false, llama3), 6, 2, 20_000, false));
        tests.add(rotate(context, spec(128, 128, 500_000, false, llama3), 4, 2, 20_000, false));
        tests.add(rotate(context, spec(128, 128, 500_000, false, llama3), 4, 2, 20_000, true));
        tests.add(rotate(context, spec(64, 64, 500_000, false, llama3), 1, 8, 9_000, false));
        tests.add(roundTrip(context, spec(64, 48, 10_000, true, Scaling.NONE), 9, 3));
        tests.add(inverseAgainstFiniteDifferences(context, spec(8, 6, 10_000, false, Scaling.NONE), 3, 2));
        tests.add(inverseAgainstFiniteDifferences(context, spec(8, 8, 10_000, true, Scaling.linear(2)), 3, 2));
        return tests.stream();
    }

    private static DynamicTest rotate(CheckContext context, RopeSpec spec, int tokens, int heads, int maxPosition,
            boolean inverse) {
        return context.test(name(inverse ? "rope inverse" : "rope", spec, tokens, heads) + " positions<" + maxPosition,
                trial -> {
                    int n = tokens * heads * spec.headDim();
                    Twin x = trial.input(RandomData.uniform(trial.random(), n, -2, 2));
                    int[] positions = RandomData.ints(trial.random(), tokens, maxPosition);
                    Twin pos = trial.ids(positions);
                    trial.run((kernels, on) -> kernels.rope(spec, on.at(x), on.at(pos), tokens, heads, inverse));
                    trial.check("x", x, tolerance(spec, x.values(), positions, heads));
                });
    }

    private static DynamicTest roundTrip(CheckContext context, RopeSpec spec, int tokens, int heads) {
        return context.test(name("rope then rope inverse", spec, tokens, heads) + " gives x back", trial -> {
            int n = tokens * heads * spec.headDim();
            Twin x = trial.input(RandomData.uniform(trial.random(), n, -2, 2));
            int[] positions = RandomData.ints(trial.random(), tokens, 4_000);
            Twin pos = trial.ids(positions);
            trial.runOnDevice((kernels, on) -> {
                kernels.rope(spec, on.at(x), on.at(pos), tokens, heads, false);
                kernels.rope(spec, on.at(x), on.at(pos), tokens, heads, true);
            });
            // Twice the error of one rotation.
            Tolerance once = tolerance(spec, x.values(), positions, heads);
            trial.checkAgainst("x", x, x.values(), once.times(2));
        });
    }

    /** The inverse rotation is the backward: the gradient of {@code sum r · rope(x)} is {@code rope⁻¹(r)}. */
    private static DynamicTest inverseAgainstFiniteDifferences(CheckContext context, RopeSpec spec, int tokens,
            int heads) {
        return context.test(name("rope inverse", spec, tokens, heads) + " against finite differences", trial -> {
            int n = tokens * heads * spec.headDim();
            double[] x = RandomData.toDouble(RandomData.uniform(trial.random(), n, -2, 2));
            Twin r = trial.input(RandomData.uniform(trial.random(), n, -1, 1));
            int[] positions = RandomData.ints(trial.random(), tokens, 50);
            Twin pos = trial.ids(positions);
            trial.runOnDevice((kernels, on) -> kernels.rope(spec, on.at(r), on.at(pos), tokens, heads, true));
            double[] rs = r.values();
            double[] expected = FiniteDifferences.gradient(x, v -> {
                double[] rotated = v.clone();
                Rotary.rotate(spec, rotated, positions, tokens, heads, false);
                return FiniteDifferences.dot(rs, rotated);
            });
            trial.checkAgainst("gradient", r, expected, Tolerances.finiteDifferences(expected));
        });
    }

    /**
     * Relative to the largest |x| of each head, times {@code 1 + |position| / 20}: the error of a
     * float angle grows with the position.
     */
    private static Tolerance tolerance(RopeSpec spec, double[] x, int[] positions, int heads) {
        double[] size = new double[x.length];
        for (int head = 0; head < x.length / spec.headDim(); head++) {
            double largest = 0;
            for (int d = 0; d < spec.headDim(); d++) {
                largest = Math.max(largest, Math.abs(x[head * spec.headDim() + d]));
            }
            double growth = 1 + Math.abs(positions[head / heads]) / Tolerances.ROPE_POSITIONS_PER_UNIT;
            for (int d = 0; d < spec.headDim(); d++) {
                size[head * spec.headDim() + d] = largest * growth;
            }
        }
        return Tolerance.relative(Tolerances.ROPE).relativeTo(size);
    }

    private static RopeSpec spec(int headDim, int rotaryDim, double theta, boolean interleaved, Scaling scaling) {
        return new RopeSpec(headDim, rotaryDim, theta, interleaved, scaling);
    }

    private static String name(String kernel, RopeSpec spec, int tokens, int heads) {
        String scaling = switch (spec.scaling().type()) {
            case "linear" -> " linear x" + spec.scaling().factor();
            case "llama3" -> " llama3 x" + spec.scaling().factor() + " original " + spec.scaling().originalMaxPositions();
            default -> "";
        };
        return kernel + (spec.interleaved() ? " interleaved" : " rotate-half") + " headDim=" + spec.headDim()
                + (spec.rotaryDim() < spec.headDim() ? " rotaryDim=" + spec.rotaryDim() : "")
                + " theta=" + (long) spec.theta() + scaling + " tokens=" + tokens + " heads=" + heads;
    }
}
