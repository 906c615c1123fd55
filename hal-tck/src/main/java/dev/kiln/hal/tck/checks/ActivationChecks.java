package dev.kiln.hal.tck.checks;

import dev.kiln.api.backend.Kernels.Activation;
import dev.kiln.hal.tck.reference.math.Pointwise;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * activation and activationBackward for each activation, swiglu and swigluBackward: against the
 * reference, and the backwards against finite differences of the forward.
 */
public final class ActivationChecks implements CheckFamily {

    private static final int[] LENGTHS = {1, 33, 1031};
    /** Inputs span the curved part of every activation and its tails. */
    private static final double RANGE = 8;

    @Override
    public Stream<DynamicTest> tests(CheckContext context) {
        List<DynamicTest> tests = new ArrayList<>();
        for (Activation act : Activation.values()) {
            for (int n : LENGTHS) {
                tests.add(forward(context, act, n));
                tests.add(backward(context, act, n));
            }
            tests.add(backwardAgainstFiniteDifferences(context, act, 9));
        }
        for (int n : LENGTHS) {
            tests.add(swiglu(context, n));
            tests.add(swigluBackward(context, n));
        }
        tests.add(swigluBackwardAgainstFiniteDifferences(context, 7));
        return tests.stream();
    }

    private static DynamicTest forward(CheckContext context, Activation act, int n) {
        return context.test("activation " + act + " n=" + n, trial -> {
            Twin x = trial.input(RandomData.uniform(trial.random(), n, -RANGE, RANGE));
            Twin out = trial.output(n);
            trial.run((kernels, on) -> kernels.activation(act, on.at(x), on.at(out), n));
            trial.check("out", out, Tolerances.functions());
        });
    }

    private static DynamicTest backward(CheckContext context, Activation act, int n) {
        return context.test("activationBackward " + act + " n=" + n, trial -> {
            Twin x = trial.input(RandomData.uniform(trial.random(), n, -RANGE, RANGE));
            Twin dOut = trial.input(RandomData.uniform(trial.random(), n, -1, 1));
            Twin dx = trial.output(n);
            trial.run((kernels, on) -> kernels.activationBackward(act, on.at(x), on.at(dOut), on.at(dx), n));
            trial.check("dx", dx, Tolerances.functions());
        });
    }

    private static DynamicTest backwardAgainstFiniteDifferences(CheckContext context, Activation act, int n) {
        return context.test("activationBackward " + act + " against finite differences n=" + n, trial -> {
            // Away from 0, where RELU has its kink.
            Twin x = trial.input(RandomData.awayFromZero(trial.random(), n, 0.1, 4));
            Twin dOut = trial.input(RandomData.uniform(trial.random(), n, -1, 1));
            Twin dx = trial.output(n);
            trial.runOnDevice((kernels, on) -> kernels.activationBackward(act, on.at(x), on.at(dOut), on.at(dx), n));
            double[] r = dOut.values();
            double[] expected = FiniteDifferences.gradient(x.values(), xs -> {
                double loss = 0;
                for (int i = 0; i < n; i++) {
                    loss += r[i] * Pointwise.activation(act, xs[i]);
                }
                return loss;
            });
            trial.checkAgainst("dx", dx, expected, Tolerances.finiteDifferences(expected));
        });
    }

    private static DynamicTest swiglu(CheckContext context, int n) {
        return context.test("swiglu n=" + n, trial -> {
            Twin gate = trial.input(RandomData.uniform(trial.random(), n, -RANGE, RANGE));
            Twin up = trial.input(RandomData.uniform(trial.random(), n, -2, 2));
            Twin out = trial.output(n);
            trial.run((kernels, on) -> kernels.swiglu(on.at(gate), on.at(up), on.at(out), n));
            trial.check("out", out, Tolerances.functions());
        });
    }

    private static DynamicTest swigluBackward(CheckContext context, int n) {
        return context.test("swigluBackward n=" + n, trial -> {
            Twin gate = trial.input(RandomData.uniform(trial.random(), n, -RANGE, RANGE));
            Twin up = trial.input(RandomData.uniform(trial.random(), n, -2, 2));
            Twin dOut = trial.input(RandomData.uniform(trial.random(), n, -1, 1));
            Twin dGate = trial.output(n);
            Twin dUp = trial.output(n);
            trial.run((kernels, on) -> kernels.swigluBackward(on.at(gate), on.at(up), on.at(dOut), on.at(dGate),
                    on.at(dUp), n));
            trial.check("dGate", dGate, Tolerances.functions());
            trial.check("dUp", dUp, Tolerances.functions());
        });
    }

    private static DynamicTest swigluBackwardAgainstFiniteDifferences(CheckContext context, int n) {
        return context.test("swigluBackward against finite differences n=" + n, trial -> {
            Twin gate = trial.input(RandomData.uniform(trial.random(), n, -4, 4));
            Twin up = trial.input(RandomData.uniform(trial.random(), n, -2, 2));
            Twin dOut = trial.input(RandomData.uniform(trial.random(), n, -1, 1));
            Twin dGate = trial.output(n);
            Twin dUp = trial.output(n);
            trial.runOnDevice((kernels, on) -> kernels.swigluBackward(on.at(gate), on.at(up), on.at(dOut),
                    on.at(dGate), on.at(dUp), n));
            double[] gates = gate.values();
            double[] ups = up.values();
            double[] r = dOut.values();
            double[] expectedGate = FiniteDifferences.gradient(gates, g -> loss(g, ups, r));
            double[] expectedUp = FiniteDifferences.gradient(ups, u -> loss(gates, u, r));
            trial.checkAgainst("dGate", dGate, expectedGate, Tolerances.finiteDifferences(expectedGate));
            trial.checkAgainst("dUp", dUp, expectedUp, Tolerances.finiteDifferences(expectedUp));
        });
    }

    /** {@code sum r silu(gate) up}, whose gradients swigluBackward computes for dOut = r. */
    private static double loss(double[] gate, double[] up, double[] r) {
        double loss = 0;
        for (int i = 0; i < gate.length; i++) {
            loss += r[i] * Pointwise.activation(Activation.SILU, gate[i]) * up[i];
        }
        return loss;
    }
}
