package dev.kiln.hal.cpu.kernel;

import static dev.kiln.hal.cpu.kernel.KernelAsserts.assertBitsEqual;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.assertClose;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.assertRejected;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.numericGradient;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.randomFloats;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.toDouble;

import java.util.Random;
import org.junit.jupiter.api.Test;

class EmbeddingTest {

    private final Random random = new Random(61);

    @Test
    void gatherCopiesTheRowsOfTheIds() {
        for (int dim : new int[] {1, 7, 16, 33}) {
            int vocab = 11, tokens = 6;
            float[] table = randomFloats(random, 3 + vocab * dim, 1f);
            int[] ids = {4, 0, 10, 4, 7, 1};
            float[] out = new float[tokens * dim];
            Embedding.gather(table, 3, vocab, dim, ids, 0, out, 0, 0, 2);
            Embedding.gather(table, 3, vocab, dim, ids, 0, out, 0, 2, tokens);
            float[] expected = new float[tokens * dim];
            for (int t = 0; t < tokens; t++) {
                System.arraycopy(table, 3 + ids[t] * dim, expected, t * dim, dim);
            }
            assertBitsEqual(expected, out, "gather dim=" + dim);
        }
    }

    @Test
    void scatterAddSumsRepeatedIdsAndIsTheSameForAnyVocabularySplit() {
        int vocab = 13, dim = 19, tokens = 40;
        int[] ids = new int[tokens];
        for (int t = 0; t < tokens; t++) {
            ids[t] = random.nextInt(5) * 3; // repeats, and rows that no token uses
        }
        float[] dOut = randomFloats(random, tokens * dim, 1f);
        float[] start = randomFloats(random, vocab * dim, 1f);

        double[] expected = new double[vocab * dim];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = start[i];
        }
        for (int t = 0; t < tokens; t++) {
            for (int j = 0; j < dim; j++) {
                expected[ids[t] * dim + j] += dOut[t * dim + j];
            }
        }

        float[] whole = start.clone();
        Embedding.scatterAdd(ids, 0, tokens, dOut, 0, dim, whole, 0, vocab, 0, vocab);
        assertClose(expected, whole, 1e-6, 1e-6, "scatter-add");
        float[] split = start.clone();
        for (int[] s : new int[][] {{0, 1}, {1, 6}, {6, 12}, {12, vocab}}) {
            Embedding.scatterAdd(ids, 0, tokens, dOut, 0, dim, split, 0, vocab, s[0], s[1]);
        }
        assertBitsEqual(whole, split, "scatter-add split by vocabulary rows");
    }

    @Test
    void scatterAddIsTheGradientOfGatherByFiniteDifferences() {
        int vocab = 5, dim = 3, tokens = 4;
        int[] ids = {3, 1, 3, 0};
        float[] table = randomFloats(random, vocab * dim, 1f);
        float[] r = randomFloats(random, tokens * dim, 1f);
        float[] dTable = new float[vocab * dim];
        Embedding.scatterAdd(ids, 0, tokens, r, 0, dim, dTable, 0, vocab, 0, vocab);
        double[] numeric = numericGradient(toDouble(table), t -> {
            double loss = 0;
            for (int i = 0; i < tokens; i++) {
                for (int j = 0; j < dim; j++) {
                    loss += t[ids[i] * dim + j] * r[i * dim + j];
                }
            }
            return loss;
        });
        assertClose(numeric, dTable, 1e-6, 1e-7, "embedding backward");
    }

    @Test
    void badArgumentsNameTheOp() {
        float[] table = new float[4 * 3];
        float[] out = new float[2 * 3];
        assertRejected("embeddingGather", () -> Embedding.gather(table, 0, 4, 3, new int[] {0, 4}, 0, out, 0, 0, 2));
        assertRejected("embeddingGather", () -> Embedding.gather(table, 0, 5, 3, new int[] {0, 1}, 0, out, 0, 0, 2));
        assertRejected("embeddingGather", () -> Embedding.gather(table, 0, 4, 3, new int[] {0, 1}, 0, out, 1, 0, 2));
        assertRejected("embeddingScatterAdd", () -> Embedding.scatterAdd(new int[] {-1, 0}, 0, 2, out, 0, 3,
                table, 0, 4, 0, 4));
        assertRejected("embeddingScatterAdd", () -> Embedding.scatterAdd(new int[] {0, 1}, 0, 2, out, 0, 3,
                table, 0, 4, 2, 5));
        assertRejected("embeddingScatterAdd", () -> Embedding.scatterAdd(new int[] {0, 1}, 0, 3, out, 0, 3,
                table, 0, 4, 0, 4));
    }
}
