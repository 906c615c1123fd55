package dev.kiln.hal.tck.checks;

import dev.kiln.hal.tck.reference.math.CrossEntropy;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * crossEntropy and crossEntropyBackward: odd and large vocabularies, logits far from 0, ignored
 * rows (loss, lse and gradient 0) with the usual -100 and with an ignoreIndex that is a valid id,
 * dLogits aliasing logits, and the backward against finite differences.
 */
public final class CrossEntropyChecks implements CheckFamily {

    private static final int IGNORE = -100;

    @Override
    public Stream<DynamicTest> tests(CheckContext context) {
        List<DynamicTest> tests = new ArrayList<>();
        int[][] shapes = {{1, 1}, {3, 7}, {5, 130}, {2, 4099}, {3, 32_000}};
        for (int[] s : shapes) {
            tests.add(forward(context, s[0], s[1], IGNORE, 0));
            tests.add(backward(context, s[0], s[1], IGNORE, false));
        }
        tests.add(forward(context, 4, 33, IGNORE, 40));
        tests.add(forward(context, 6, 17, 0, 0));
        tests.add(backward(context, 6, 17, 0, false));
        tests.add(backward(context, 5, 130, IGNORE, true));
        tests.add(backwardAgainstFiniteDifferences(context, 3, 5));
        return tests.stream();
    }

    private static DynamicTest forward(CheckContext context, int rows, int vocab, int ignoreIndex, double offset) {
        String name = "crossEntropy rows=" + rows + " vocab=" + vocab + " ignoreIndex=" + ignoreIndex
                + (offset != 0 ? " (logits near " + offset + ")" : "");
        return context.test(name, trial -> {
            Twin logits = trial.input(RandomData.uniform(trial.random(), rows * vocab, offset - 8, offset + 8));
            int[] targetValues = targets(trial, rows, vocab, ignoreIndex);
            Twin targets = trial.ids(targetValues);
            Twin losses = trial.output(rows);
            Twin lse = trial.output(rows);
            trial.run((kernels, on) -> kernels.crossEntropy(on.at(logits), on.at(targets), on.at(losses), on.at(lse),
                    rows, vocab, ignoreIndex));
            CrossEntropy.Losses expected = CrossEntropy.forward(logits.values(), targetValues, rows, vocab, ignoreIndex);
            double[] lossSize = RandomData.abs(expected.lse());
            double[] logitValues = logits.values();
            for (int r = 0; r < rows; r++) {
                if (targetValues[r] != ignoreIndex) {
                    lossSize[r] += Math.abs(logitValues[r * vocab + targetValues[r]]);
                }
            }
            trial.check("losses", losses, Tolerances.functions().relativeTo(lossSize));
            trial.check("lse", lse, Tolerances.functions());
        });
    }

    private static DynamicTest backward(CheckContext context, int rows, int vocab, int ignoreIndex, boolean inPlace) {
        String name = "crossEntropyBackward rows=" + rows + " vocab=" + vocab + " ignoreIndex=" + ignoreIndex
                + (inPlace ? " (dLogits aliases logits)" : "");
        return context.test(name, trial -> {
            float gradScale = 1f / rows;
            Twin logits = trial.input(RandomData.uniform(trial.random(), rows * vocab, -8, 8));
            int[] targetValues = targets(trial, rows, vocab, ignoreIndex);
            Twin targets = trial.ids(targetValues);
            double[] logitValues = logits.values();
            Twin lse = trial.input(RandomData.toFloat(
                    CrossEntropy.forward(logitValues, targetValues, rows, vocab, ignoreIndex).lse()));
            Twin dLogits = inPlace ? logits : trial.output(rows * vocab);
            trial.run((kernels, on) -> kernels.crossEntropyBackward(on.at(logits), on.at(targets), on.at(lse),
                    on.at(dLogits), rows, vocab, ignoreIndex, gradScale));
            double[] size = sizeOfTerms(logitValues, targetValues, lse.values(), rows, vocab, ignoreIndex, gradScale);
            trial.check("dLogits", dLogits, Tolerance.relative(Tolerances.FUNCTIONS)
                    .plus(Tolerances.FUNCTIONS_FLOOR * Math.abs(gradScale)).relativeTo(size));
        });
    }

    private static DynamicTest backwardAgainstFiniteDifferences(CheckContext context, int rows, int vocab) {
        return context.test("crossEntropyBackward against finite differences rows=" + rows + " vocab=" + vocab,
                trial -> {
                    float gradScale = 0.5f;
                    double[] logitValues = RandomData.toDouble(RandomData.uniform(trial.random(), rows * vocab, -3, 3));
                    int[] targetValues = targets(trial, rows, vocab, IGNORE);
                    Twin logits = trial.input(RandomData.toFloat(logitValues));
                    Twin targets = trial.ids(targetValues);
                    Twin lse = trial.input(RandomData.toFloat(
                            CrossEntropy.forward(logitValues, targetValues, rows, vocab, IGNORE).lse()));
                    Twin dLogits = trial.output(rows * vocab);
                    trial.runOnDevice((kernels, on) -> kernels.crossEntropyBackward(on.at(logits), on.at(targets),
                            on.at(lse), on.at(dLogits), rows, vocab, IGNORE, gradScale));
                    double[] expected = FiniteDifferences.gradient(logitValues, v -> {
                        double loss = 0;
                        for (double rowLoss : CrossEntropy.forward(v, targetValues, rows, vocab, IGNORE).losses()) {
                            loss += gradScale * rowLoss;
                        }
                        return loss;
                    });
                    trial.checkAgainst("dLogits", dLogits, expected, Tolerances.finiteDifferences(expected));
                });
    }

    /** {@code (p + onehot) |gradScale|}: the two terms of each element of dLogits; 0 on ignored rows. */
    private static double[] sizeOfTerms(double[] logits, int[] targets, double[] lse, int rows, int vocab,
            int ignoreIndex, float gradScale) {
        double[] size = new double[rows * vocab];
        for (int r = 0; r < rows; r++) {
            if (targets[r] == ignoreIndex) {
                continue;
            }
            for (int c = 0; c < vocab; c++) {
                double oneHot = c == targets[r] ? 1 : 0;
                size[r * vocab + c] = (Math.exp(logits[r * vocab + c] - lse[r]) + oneHot) * Math.abs(gradScale);
            }
        }
        return size;
    }

    /** Random targets, the last id among them, and every other row from the second on ignored. */
    private static int[] targets(Trial trial, int rows, int vocab, int ignoreIndex) {
        int[] targets = RandomData.ints(trial.random(), rows, vocab);
        targets[0] = vocab - 1;
        for (int r = 1; r < rows; r += 2) {
            targets[r] = ignoreIndex;
        }
        if (ignoreIndex >= 0 && ignoreIndex < vocab) {
            // A valid id that is ignored: only rows naming it are skipped; keep row 0 a real target.
            targets[0] = ignoreIndex == vocab - 1 ? 0 : vocab - 1;
        }
        return targets;
    }
}
