package dev.kiln.hal.cpu.kernel;

import static dev.kiln.hal.cpu.kernel.KernelAsserts.assertBitsEqual;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.assertClose;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.assertRejected;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.dot;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.numericGradient;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.randomFloats;
import static dev.kiln.hal.cpu.kernel.KernelAsserts.toDouble;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

class RopeTest {

    private final Random random = new Random(51);

    /** (headDim, rotaryDim): full rotation, partial rotation, widths off the vector length. */
    private static final int[][] HEAD_SHAPES = {{2, 2}, {6, 2}, {12, 8}, {16, 16}, {40, 40}, {64, 32}, {128, 128}};

    @Test
    void llama3ScalingGivesTheHandComputedFrequencies() {
        // Llama 3.1: rope_theta 500000, head_dim 128, factor 8, low_freq_factor 1, high_freq_factor 4,
        // original_max_position_embeddings 8192. Expected values worked out from the formula separately:
        // wavelength = 2 pi / f; kept below 8192/4 = 2048, divided by 8 above 8192/1, blended between.
        RopeTable table = RopeTable.build(RopeLayout.ROTATE_HALF, 128, 4, 500000, RopeScaling.llama3(8, 1, 4, 8192));
        double[][] expected = {
                {0, 1.0},                          // wavelength 6.28: high frequency, kept
                {10, 0.12868737343265052},         // 48.8: kept
                {20, 0.016560440080994446},        // 379: kept
                {25, 0.005940730375674967},        // 1058: kept
                {30, 0.0013718935677611381},       // 2948: blended, smooth = (8192/2948 - 1) / 3
                {35, 9.556212353964683e-05},       // 8219: just past 8192, divided by 8
                {40, 3.428102195952591e-05},
                {45, 1.2297638677963614e-05},
                {50, 4.411534674558404e-06},
                {63, 3.068925988914511e-07},
        };
        for (double[] e : expected) {
            assertClose(e[1], table.inverseFrequency((int) e[0]), 1e-13, 0, "inverse frequency " + (int) e[0]);
        }
        // the blend by hand for i = 30: f = 500000^(-60/128)
        double f = Math.pow(500000, -60.0 / 128);
        double smooth = (8192 / (2 * Math.PI / f) - 1) / (4 - 1);
        assertClose((1 - smooth) * f / 8 + smooth * f, table.inverseFrequency(30), 1e-14, 0, "blend at 30");
    }

    @Test
    void unscaledAndLinearFrequencies() {
        RopeTable plain = RopeTable.build(RopeLayout.ROTATE_HALF, 64, 2, 10000, RopeScaling.none());
        RopeTable linear = RopeTable.build(RopeLayout.INTERLEAVED, 64, 2, 10000, RopeScaling.linear(4));
        for (int i = 0; i < 32; i++) {
            double f = Math.pow(10000, -2.0 * i / 64);
            assertClose(f, plain.inverseFrequency(i), 1e-15, 0, "theta^(-2i/d) at " + i);
            assertClose(f / 4, linear.inverseFrequency(i), 1e-15, 0, "linear at " + i);
        }
    }

    @Test
    void forwardMatchesTheReferenceInBothLayouts() {
        for (RopeLayout layout : RopeLayout.values()) {
            for (int[] shape : HEAD_SHAPES) {
                int headDim = shape[0], rotaryDim = shape[1], heads = 3, tokens = 5, maxPositions = 4096;
                RopeTable table = RopeTable.build(layout, rotaryDim, maxPositions, 10000, RopeScaling.none());
                int[] positions = {0, 1, 4095, 17, 2000};
                float[] x = randomFloats(random, tokens * heads * headDim, 1f);
                float[] y = new float[x.length];
                Rope.rope(x, 0, y, 0, heads, headDim, table, positions, 0, 0, tokens);
                double[] expected = ScalarReference.rope(toDouble(x), heads, headDim, rotaryDim, frequencies(table),
                        positions, layout == RopeLayout.INTERLEAVED);
                assertClose(expected, y, 0, 2e-6, layout + " " + headDim + "/" + rotaryDim);
            }
        }
    }

    @Test
    void backwardIsTheTransposeAndUndoesTheForward() {
        for (RopeLayout layout : RopeLayout.values()) {
            for (int[] shape : new int[][] {{6, 2}, {12, 8}, {20, 20}}) {
                int headDim = shape[0], rotaryDim = shape[1], heads = 2, tokens = 3;
                RopeTable table = RopeTable.build(layout, rotaryDim, 64, 10000, RopeScaling.linear(2));
                int[] positions = {5, 0, 63};
                float[] x = randomFloats(random, tokens * heads * headDim, 1f);
                float[] r = randomFloats(random, x.length, 1f);
                float[] dx = new float[x.length];
                Rope.ropeBackward(r, 0, dx, 0, heads, headDim, table, positions, 0, 0, tokens);
                double[] freq = frequencies(table);
                boolean interleaved = layout == RopeLayout.INTERLEAVED;
                double[] numeric = numericGradient(toDouble(x), xs -> dot(
                        ScalarReference.rope(xs, heads, headDim, rotaryDim, freq, positions, interleaved), r));
                String what = layout + " " + headDim + "/" + rotaryDim;
                assertClose(numeric, dx, 1e-5, 1e-6, what + " backward");

                float[] y = new float[x.length];
                Rope.rope(x, 0, y, 0, heads, headDim, table, positions, 0, 0, tokens);
                Rope.ropeBackward(y, 0, y, 0, heads, headDim, table, positions, 0, 0, tokens);
                assertClose(toDouble(x), y, 0, 2e-6, what + " round trip");
            }
        }
    }

    @Test
    void tokenSplitsAndInPlaceGiveIdenticalBits() {
        for (RopeLayout layout : RopeLayout.values()) {
            int headDim = 24, heads = 4, tokens = 9;
            RopeTable table = RopeTable.build(layout, 16, 100, 500000, RopeScaling.llama3(8, 1, 4, 64));
            int[] positions = new int[tokens + 2];
            for (int t = 0; t < positions.length; t++) {
                positions[t] = random.nextInt(100);
            }
            float[] x = randomFloats(random, 7 + tokens * heads * headDim, 1f);
            float[] y = new float[tokens * heads * headDim];
            Rope.rope(x, 7, y, 0, heads, headDim, table, positions, 2, 0, tokens);
            float[] inPlace = java.util.Arrays.copyOfRange(x, 7, x.length);
            for (int[] s : new int[][] {{0, 1}, {1, 6}, {6, tokens}}) {
                Rope.rope(inPlace, 0, inPlace, 0, heads, headDim, table, positions, 2, s[0], s[1]);
            }
            assertBitsEqual(y, inPlace, layout + " split in place");
        }
    }

    @Test
    void badArgumentsNameTheOp() {
        RopeTable table = RopeTable.build(RopeLayout.ROTATE_HALF, 8, 16, 10000, RopeScaling.none());
        float[] x = new float[2 * 8];
        assertRejected("rope", () -> Rope.rope(x, 0, x, 0, 1, 8, table, new int[] {0, 16}, 0, 0, 2));
        assertRejected("rope", () -> Rope.rope(x, 0, x, 0, 2, 4, table, new int[] {0, 1}, 0, 0, 2));
        assertRejected("rope", () -> Rope.rope(x, 0, x, 0, 1, 8, table, new int[] {0}, 0, 0, 2));
        assertRejected("ropeBackward", () -> Rope.ropeBackward(x, 0, x, 0, 3, 8, table, new int[] {0, 1}, 0, 0, 2));
        assertEquals("rope table: rotaryDim must be positive and even, was 7", assertThrows(
                IllegalArgumentException.class,
                () -> RopeTable.build(RopeLayout.ROTATE_HALF, 7, 16, 10000, RopeScaling.none())).getMessage());
        assertThrows(IllegalArgumentException.class, () -> RopeScaling.llama3(8, 4, 1, 8192));
    }

    private static double[] frequencies(RopeTable table) {
        double[] f = new double[table.rotaryDim() / 2];
        for (int i = 0; i < f.length; i++) {
            f[i] = table.inverseFrequency(i);
        }
        return f;
    }
}
