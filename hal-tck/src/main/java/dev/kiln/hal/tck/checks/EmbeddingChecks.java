package dev.kiln.hal.tck.checks;

import dev.kiln.hal.tck.reference.math.Embedding;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * embedding and embeddingBackward: repeated ids, the first and last rows of the table, odd row
 * sizes; the backward scatter-adds into what dTable held and is checked against finite
 * differences and for determinism (repeated ids are where atomic adds reorder).
 */
public final class EmbeddingChecks implements CheckFamily {

    /** count, dim, vocab. */
    private static final int[][] SHAPES = {{1, 1, 1}, {13, 7, 11}, {5, 130, 3}, {33, 65, 1000}};

    @Override
    public Stream<DynamicTest> tests(CheckContext context) {
        List<DynamicTest> tests = new ArrayList<>();
        for (int[] s : SHAPES) {
            tests.add(forward(context, s[0], s[1], s[2]));
            tests.add(backward(context, s[0], s[1], s[2]));
        }
        tests.add(backwardAgainstFiniteDifferences(context, 6, 3, 4));
        tests.add(determinism(context, 257, 33, 5));
        return tests.stream();
    }

    private static DynamicTest forward(CheckContext context, int count, int dim, int vocab) {
        return context.test("embedding count=" + count + " dim=" + dim + " vocab=" + vocab, trial -> {
            Twin table = trial.input(RandomData.uniform(trial.random(), vocab * dim, -1, 1));
            Twin ids = trial.ids(ids(trial, count, vocab));
            Twin out = trial.output(count * dim);
            trial.run((kernels, on) -> kernels.embedding(on.at(table), on.at(ids), on.at(out), count, dim, vocab));
            trial.check("out", out, Tolerance.exact());
        });
    }

    private static DynamicTest backward(CheckContext context, int count, int dim, int vocab) {
        return context.test("embeddingBackward count=" + count + " dim=" + dim + " vocab=" + vocab
                + " (dTable accumulates)", trial -> {
            int[] idValues = ids(trial, count, vocab);
            Twin ids = trial.ids(idValues);
            Twin dOut = trial.input(RandomData.uniform(trial.random(), count * dim, -1, 1));
            Twin dTable = trial.input(RandomData.uniform(trial.random(), vocab * dim, -1, 1));
            double[] size = RandomData.abs(dTable.values());
            double[] dOuts = dOut.values();
            for (int t = 0; t < count; t++) {
                for (int j = 0; j < dim; j++) {
                    size[idValues[t] * dim + j] += Math.abs(dOuts[t * dim + j]);
                }
            }
            trial.run((kernels, on) -> kernels.embeddingBackward(on.at(ids), on.at(dOut), on.at(dTable), count, dim,
                    vocab));
            trial.check("dTable", dTable, Tolerance.relative(Tolerances.ROUNDING).relativeTo(size));
        });
    }

    private static DynamicTest backwardAgainstFiniteDifferences(CheckContext context, int count, int dim, int vocab) {
        return context.test("embeddingBackward against finite differences count=" + count + " dim=" + dim
                + " vocab=" + vocab, trial -> {
            double[] table = RandomData.toDouble(RandomData.uniform(trial.random(), vocab * dim, -1, 1));
            int[] idValues = ids(trial, count, vocab);
            Twin ids = trial.ids(idValues);
            Twin dOut = trial.input(RandomData.uniform(trial.random(), count * dim, -1, 1));
            Twin dTable = trial.input(new float[vocab * dim]);
            trial.runOnDevice((kernels, on) -> kernels.embeddingBackward(on.at(ids), on.at(dOut), on.at(dTable),
                    count, dim, vocab));
            double[] r = dOut.values();
            double[] expected = FiniteDifferences.gradient(table, v -> FiniteDifferences.dot(r,
                    Embedding.gather(v, idValues, count, dim, vocab)));
            trial.checkAgainst("dTable", dTable, expected, Tolerances.finiteDifferences(expected));
        });
    }

    private static DynamicTest determinism(CheckContext context, int count, int dim, int vocab) {
        return context.test("embeddingBackward determinism: two runs agree bit for bit, count=" + count
                + " dim=" + dim + " vocab=" + vocab, trial -> {
            Twin ids = trial.ids(ids(trial, count, vocab));
            Twin dOut = trial.input(RandomData.uniform(trial.random(), count * dim, -1, 1));
            Twin dTable = trial.input(new float[vocab * dim]);
            Trial.KernelCall call = (kernels, on) -> kernels.embeddingBackward(on.at(ids), on.at(dOut), on.at(dTable),
                    count, dim, vocab);
            trial.runOnDevice(call);
            double[] first = trial.actual(dTable);
            trial.restore(dTable);
            trial.runOnDevice(call);
            trial.checkIdentical("dTable", first, trial.actual(dTable));
        });
    }

    /** Random ids that include the first and the last row and repeat some. */
    private static int[] ids(Trial trial, int count, int vocab) {
        int[] ids = RandomData.ints(trial.random(), count, vocab);
        ids[0] = vocab - 1;
        if (count > 2) {
            ids[1] = 0;
            ids[count - 1] = ids[count / 2];
        }
        return ids;
    }
}
