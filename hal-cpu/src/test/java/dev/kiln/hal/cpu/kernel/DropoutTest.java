package dev.kiln.hal.cpu.kernel;

import static dev.kiln.hal.cpu.kernel.KernelAsserts.assertBitsEqual;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.assertClose;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.assertRejected;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.numericGradient;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.randomFloats;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.toDouble;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.hal.tck.reference.ReferenceKernels;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DropoutTest {

    private final Random random = new Random(81);

    @Test
    void keptElementsAreScaledAndTheRestAreZero() {
        int n = 333;
        float p = 0.3f;
        float[] x = randomFloats(random, n, 1f);
        float[] y = new float[n];
        Dropout.dropout(x, 0, y, 0, p, 42L, 0, n);
        float scale = (float) (1.0 / (1 - p));
        for (int i = 0; i < n; i++) {
            boolean keep = ReferenceKernels.dropoutKeep(42L, i, p);
            assertEquals(keep ? x[i] * scale : 0f, y[i], "element " + i + (keep ? " kept" : " dropped"));
        }
    }

    @Test
    void theMaskIsTheHalsDropoutKeepBitForBit() {
        // Every backend must draw this mask; p values straddle multiples of 2^-24, where a float
        // comparison and an integer threshold could disagree if the threshold were off by one.
        float[] ps = {0f, 0x1p-24f, 0x1.8p-24f, 0.1f, 0.3f, 0.5f, Math.nextDown(0.5f), Math.nextUp(0.5f), 0.9f,
            Math.nextDown(1f), 1f};
        long[] seeds = {0L, 1L, -1L, 42L, Long.MIN_VALUE, Long.MAX_VALUE, 0x5EED_0001L};
        int n = 1031;
        float[] x = new float[n];
        Arrays.fill(x, 1f);
        for (float p : ps) {
            for (long seed : seeds) {
                float[] y = new float[n];
                Dropout.dropout(x, 0, y, 0, p, seed, 0, n);
                for (int i = 0; i < n; i++) {
                    boolean expected = ReferenceKernels.dropoutKeep(seed, i, p);
                    assertEquals(expected, Dropout.keeps(seed, p, i), "keeps p=" + p + " seed=" + seed + " i=" + i);
                    assertEquals(expected, y[i] != 0f, "dropout, p=" + p + " seed=" + seed + " i=" + i);
                }
            }
        }
        for (long index : new long[] {1L << 31, (1L << 40) + 7, Long.MAX_VALUE - 1}) {
            assertEquals(ReferenceKernels.dropoutKeep(9L, index, 0.5f), Dropout.keeps(9L, 0.5f, index),
                    "index " + index);
        }
    }

    @Test
    void theKeptFractionIsOneMinusP() {
        int n = 200_000;
        float[] ones = new float[n];
        Arrays.fill(ones, 1f);
        for (float p : new float[] {0.05f, 0.1f, 0.5f, 0.9f}) {
            for (long seed : new long[] {0L, 1L, 123456789L}) {
                float[] y = new float[n];
                Dropout.dropout(ones, 0, y, 0, p, seed, 0, n);
                int kept = 0;
                int keptPairs = 0;
                for (int i = 0; i < n; i++) {
                    if (y[i] != 0f) {
                        kept++;
                        if (i > 0 && y[i - 1] != 0f) {
                            keptPairs++;
                        }
                    }
                }
                double sigma = Math.sqrt(n * p * (1 - p));
                assertTrue(Math.abs(kept - n * (1 - p)) < 5 * sigma, "p=" + p + " seed=" + seed + ": kept " + kept);
                // neighbours independent: both kept with probability (1 - p)^2
                double pairs = (n - 1) * (1 - p) * (1 - p);
                assertTrue(Math.abs(keptPairs - pairs) < 6 * Math.sqrt(pairs), "p=" + p + ": kept pairs " + keptPairs);
            }
        }
    }

    @Test
    void theMaskDependsOnTheSeedOnly() {
        int n = 1000;
        float[] x = randomFloats(random, n, 1f);
        float[] whole = new float[n];
        Dropout.dropout(x, 0, whole, 0, 0.5f, 7L, 0, n);
        float[] split = new float[n];
        for (int[] s : new int[][] {{0, 1}, {1, 17}, {17, 600}, {600, n}}) {
            Dropout.dropout(x, 0, split, 0, 0.5f, 7L, s[0], s[1]);
        }
        assertBitsEqual(whole, split, "split");
        float[] otherSeed = new float[n];
        Dropout.dropout(x, 0, otherSeed, 0, 0.5f, 8L, 0, n);
        int differing = 0;
        for (int i = 0; i < n; i++) {
            if ((whole[i] == 0f) != (otherSeed[i] == 0f)) {
                differing++;
            }
        }
        assertTrue(differing > 400 && differing < 600, "another seed gives another mask: " + differing);
    }

    @Test
    void backwardUsesTheForwardMask() {
        int n = 100;
        float[] x = randomFloats(random, n, 1f);
        float[] dy = randomFloats(random, n, 1f);
        float[] y = new float[n];
        float[] dx = dy.clone();
        Dropout.dropout(x, 0, y, 0, 0.25f, 99L, 0, n);
        Dropout.dropoutBackward(dx, 0, dx, 0, 0.25f, 99L, 0, n);
        for (int i = 0; i < n; i++) {
            assertEquals(y[i] == 0f, dx[i] == 0f, "same mask at " + i);
            if (dx[i] != 0f) {
                assertEquals(dy[i] * (float) (1 / 0.75), dx[i]);
            }
        }
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        int n = 37;
        float p = 0.4f;
        float[] x = randomFloats(random, n, 1f);
        float[] r = randomFloats(random, n, 1f);
        float[] dx = new float[n];
        Dropout.dropoutBackward(r, 0, dx, 0, p, 5L, 0, n);
        double[] numeric = numericGradient(toDouble(x), xs -> {
            double loss = 0;
            for (int i = 0; i < n; i++) {
                loss += (ReferenceKernels.dropoutKeep(5L, i, p) ? xs[i] / (1 - (double) p) : 0) * r[i];
            }
            return loss;
        });
        assertClose(numeric, dx, 1e-6, 1e-7, "dropout backward");
    }

    @Test
    void probabilitiesZeroAndOne() {
        float[] x = randomFloats(random, 50, 1f);
        float[] y = new float[50];
        Dropout.dropout(x, 0, y, 0, 0f, 1L, 0, 50);
        assertBitsEqual(x, y, "p = 0 keeps everything");
        Dropout.dropout(x, 0, y, 0, 1f, 1L, 0, 50);
        assertBitsEqual(new float[50], y, "p = 1 drops everything");
    }

    @Test
    void badArgumentsNameTheOp() {
        float[] a = new float[5];
        assertRejected("dropout", () -> Dropout.dropout(a, 0, a, 0, 1.5f, 0L, 0, 5));
        assertRejected("dropout", () -> Dropout.dropout(a, 0, a, 0, Float.NaN, 0L, 0, 5));
        assertRejected("dropoutBackward", () -> Dropout.dropoutBackward(a, 0, a, 1, 0.5f, 0L, 0, 5));
    }
}
