package dev.kiln.hal.cpu.kernel;

import static dev.kiln.hal.cpu.kernel.KernelAsserts.assertBitsEqual;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.assertClose;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.assertRejected;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.numericGradient;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.randomFloats;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.toDouble;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class CrossEntropyTest {

    private static final int IGNORE = -100;

    private final Random random = new Random(41);

    /** Vocabularies below, at and across the 2048-entry chunk. */
    private static final int[] VOCABS = {1, 2, 5, 16, 17, 2047, 2048, 2049, 5000};

    @Test
    void lossAndLseMatchTheReference() {
        for (int vocab : VOCABS) {
            int rows = 4;
            float[] logits = randomFloats(random, rows * vocab, 3f);
            int[] targets = {random.nextInt(vocab), IGNORE, vocab - 1, 0};
            float[] loss = new float[rows];
            float[] lse = new float[rows];
            int counted = CrossEntropy.crossEntropy(logits, 0, vocab, targets, 0, IGNORE, loss, 0, lse, 0, 0, rows);
            assertEquals(3, counted, "rows that count");
            double[] ld = toDouble(logits);
            assertClose(ScalarReference.crossEntropy(ld, vocab, targets, IGNORE), loss, 1e-5, 1e-5, "loss vocab=" + vocab);
            for (int r = 0; r < rows; r++) {
                double expected = targets[r] == IGNORE ? 0 : ScalarReference.logSumExp(ld, r * vocab, vocab);
                assertClose(expected, lse[r], 1e-6, 1e-6, "lse vocab=" + vocab + " row " + r);
            }
        }
    }

    @Test
    void aGrowingMaxAcrossChunksAndMaskedChunksAreHandled() {
        int vocab = 3 * 2048 + 5;
        float[] logits = new float[vocab];
        for (int j = 0; j < vocab; j++) {
            // -inf over the whole first chunk (masked vocabulary), then logits growing chunk by chunk
            logits[j] = j < 2048 ? Float.NEGATIVE_INFINITY : j / 100f;
        }
        float[] loss = new float[1];
        float[] lse = new float[1];
        CrossEntropy.crossEntropy(logits, 0, vocab, new int[] {3000}, 0, IGNORE, loss, 0, lse, 0, 0, 1);
        double expectedLse = ScalarReference.logSumExp(toDouble(logits), 0, vocab);
        assertClose(expectedLse, lse[0], 1e-6, 0, "lse");
        assertClose(expectedLse - logits[3000], loss[0], 1e-5, 1e-5, "loss");
    }

    @Test
    void backwardMatchesFiniteDifferencesOfTheMeanLoss() {
        for (int vocab : new int[] {1, 3, 17, 40}) {
            int rows = 3;
            float[] logits = randomFloats(random, rows * vocab, 2f);
            int[] targets = {vocab / 2, IGNORE, vocab - 1};
            float[] loss = new float[rows];
            float[] lse = new float[rows];
            int counted = CrossEntropy.crossEntropy(logits, 0, vocab, targets, 0, IGNORE, loss, 0, lse, 0, 0, rows);
            float[] grad = new float[rows * vocab];
            java.util.Arrays.fill(grad, Float.NaN); // ignored rows must be written too
            CrossEntropy.crossEntropyBackward(logits, 0, vocab, targets, 0, IGNORE, lse, 0, 1f / counted,
                    grad, 0, 0, rows);
            double[] numeric = numericGradient(toDouble(logits), ls -> {
                double sum = 0;
                for (double l : ScalarReference.crossEntropy(ls, vocab, targets, IGNORE)) {
                    sum += l;
                }
                return sum / counted;
            });
            assertClose(numeric, grad, 1e-4, 1e-6, "cross-entropy backward vocab=" + vocab);
        }
    }

    @Test
    void backwardMatchesSoftmaxMinusOneHotAtLargeVocab() {
        int vocab = 5003, rows = 2;
        float[] logits = randomFloats(random, rows * vocab, 4f);
        int[] targets = {17, 5002};
        float[] loss = new float[rows];
        float[] lse = new float[rows];
        CrossEntropy.crossEntropy(logits, 0, vocab, targets, 0, IGNORE, loss, 0, lse, 0, 0, rows);
        float[] grad = new float[rows * vocab];
        CrossEntropy.crossEntropyBackward(logits, 0, vocab, targets, 0, IGNORE, lse, 0, 0.5f, grad, 0, 0, rows);
        double[] expected = ScalarReference.softmax(toDouble(logits), vocab);
        for (int r = 0; r < rows; r++) {
            expected[r * vocab + targets[r]] -= 1;
        }
        for (int i = 0; i < expected.length; i++) {
            expected[i] *= 0.5;
        }
        assertClose(expected, grad, 1e-5, 1e-9, "softmax - onehot");
    }

    @Test
    void theGradientMayOverwriteTheLogitsAndSplitsDoNotMatter() {
        int vocab = 2100, rows = 5;
        float[] logits = randomFloats(random, rows * vocab, 3f);
        int[] targets = {1, IGNORE, 2099, 7, IGNORE};
        float[] loss = new float[rows], lse = new float[rows];
        CrossEntropy.crossEntropy(logits, 0, vocab, targets, 0, IGNORE, loss, 0, lse, 0, 0, rows);
        float[] grad = new float[rows * vocab];
        CrossEntropy.crossEntropyBackward(logits, 0, vocab, targets, 0, IGNORE, lse, 0, 0.25f, grad, 0, 0, rows);

        float[] loss2 = new float[rows], lse2 = new float[rows];
        float[] inPlace = logits.clone();
        int counted = 0;
        for (int[] s : new int[][] {{0, 2}, {2, rows}}) {
            counted += CrossEntropy.crossEntropy(inPlace, 0, vocab, targets, 0, IGNORE, loss2, 0, lse2, 0, s[0], s[1]);
            CrossEntropy.crossEntropyBackward(inPlace, 0, vocab, targets, 0, IGNORE, lse2, 0, 0.25f,
                    inPlace, 0, s[0], s[1]);
        }
        assertEquals(3, counted);
        assertBitsEqual(loss, loss2, "loss");
        assertBitsEqual(lse, lse2, "lse");
        assertBitsEqual(grad, inPlace, "gradient over the logits");
    }

    @Test
    void badArgumentsNameTheOp() {
        float[] logits = new float[12];
        float[] out = new float[3];
        assertRejected("crossEntropy", () -> CrossEntropy.crossEntropy(logits, 0, 4, new int[] {0, 4, 1}, 0, IGNORE,
                out, 0, out, 0, 0, 3));
        assertRejected("crossEntropy", () -> CrossEntropy.crossEntropy(logits, 0, 5, new int[] {0, 1, 1}, 0, IGNORE,
                out, 0, out, 0, 0, 3));
        assertRejected("crossEntropy", () -> CrossEntropy.crossEntropy(logits, 0, 4, new int[] {0, 1}, 0, IGNORE,
                out, 0, out, 0, 0, 3));
        assertRejected("crossEntropyBackward", () -> CrossEntropy.crossEntropyBackward(logits, 0, 4,
                new int[] {0, 1, 2}, 0, IGNORE, out, 0, Float.NaN, logits, 0, 0, 3));
        assertRejected("crossEntropyBackward", () -> CrossEntropy.crossEntropyBackward(logits, 0, 4,
                new int[] {0, 1, 2}, 0, IGNORE, out, 0, 1f, new float[11], 0, 0, 3));
    }
}
