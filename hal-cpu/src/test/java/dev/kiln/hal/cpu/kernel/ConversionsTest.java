package dev.kiln.hal.cpu.kernel;

import static dev.kiln.hal.cpu.kernel.KernelAsserts.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ConversionsTest {

    private static final int PATTERNS = 1 << 16;

    private final Random random = new Random(91);

    @Test
    void everyBf16SurvivesTheRoundTripThroughFloat() {
        short[] all = allPatterns();
        float[] wide = new float[PATTERNS];
        short[] back = new short[PATTERNS];
        Conversions.bf16ToF32(all, 0, wide, 0, 0, PATTERNS);
        Conversions.f32ToBf16(wide, 0, back, 0, 0, PATTERNS);
        for (int i = 0; i < PATTERNS; i++) {
            assertEquals(Float.intBitsToFloat(i << 16), wide[i], "widening is exact");
            if (Float.isNaN(wide[i])) {
                assertTrue(Float.isNaN(Conversions.bf16ToFloat(back[i])), "NaN stays NaN: " + Integer.toHexString(i));
                assertEquals(i & 0x8000, back[i] & 0x8000, "NaN keeps its sign");
            } else if (back[i] != all[i]) {
                fail("bf16 " + Integer.toHexString(i) + " came back as " + Integer.toHexString(back[i] & 0xFFFF));
            }
        }
    }

    @Test
    void narrowingToBf16RoundsToNearestEven() {
        int n = 300_000;
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            int bits = switch (i % 4) {
                case 0 -> random.nextInt();                                     // anything
                case 1 -> (random.nextInt() & 0xFFFF0000) | 0x8000;              // exactly halfway
                case 2 -> (random.nextInt() & 0xFFFF0000) | (0x8000 + (i & 1) * 2 - 1); // just off halfway
                default -> 0x7F7F0000 | random.nextInt(0x10000);                 // near the overflow to inf
            };
            values[i] = Float.intBitsToFloat(bits);
        }
        short[] out = new short[n];
        Conversions.f32ToBf16(values, 0, out, 0, 0, n);
        for (int i = 0; i < n; i++) {
            float f = values[i];
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(Conversions.bf16ToFloat(out[i])));
                continue;
            }
            short expected = nearestBf16(f);
            if (out[i] != expected) {
                fail(f + " (" + Integer.toHexString(Float.floatToRawIntBits(f)) + ") gave "
                        + Integer.toHexString(out[i] & 0xFFFF) + ", nearest even is " + Integer.toHexString(expected & 0xFFFF));
            }
            assertEquals(expected, Conversions.floatToBf16(f), "scalar form");
        }
    }

    @Test
    void everyHalfSurvivesTheRoundTripThroughFloat() {
        short[] all = allPatterns();
        float[] wide = new float[PATTERNS];
        short[] back = new short[PATTERNS];
        Conversions.f16ToF32(all, 0, wide, 0, 0, PATTERNS);
        Conversions.f32ToF16(wide, 0, back, 0, 0, PATTERNS);
        for (int i = 0; i < PATTERNS; i++) {
            assertEquals(halfValue(i), wide[i], 0.0, "widening is exact for " + Integer.toHexString(i));
            if (Float.isNaN(wide[i])) {
                assertTrue(Float.isNaN(Float.float16ToFloat(back[i])));
            } else {
                assertEquals(all[i], back[i], "half " + Integer.toHexString(i));
            }
        }
    }

    @Test
    void narrowingToHalfRoundsToNearestEvenWithSubnormalsAndOverflow() {
        int n = 100_000;
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (Math.copySign(Math.pow(2, -27 + 44 * random.nextDouble()), random.nextDouble() - 0.5));
        }
        values[0] = 65520f;    // halfway between the largest half and 2^16: rounds to inf
        values[1] = 65519.99f; // just below: the largest half
        values[2] = (float) Math.pow(2, -25); // halfway between 0 and the smallest subnormal: ties to 0
        values[3] = (float) Math.pow(2, -25) * 1.0001f;
        short[] out = new short[n];
        Conversions.f32ToF16(values, 0, out, 0, 0, n);
        for (int i = 0; i < n; i++) {
            double x = values[i];
            double got = halfDistanceValue(out[i] & 0xFFFF);
            double gotError = Math.abs(got - x);
            // no other half is nearer, and a tie goes to the even pattern
            for (int neighbour : new int[] {(out[i] & 0xFFFF) - 1, (out[i] & 0xFFFF) + 1}) {
                if (neighbour < 0 || neighbour >= PATTERNS || Double.isNaN(halfValue(neighbour))) {
                    continue;
                }
                double otherError = Math.abs(halfDistanceValue(neighbour) - x);
                boolean nearer = otherError < gotError || (otherError == gotError && (out[i] & 1) != 0);
                if (nearer) {
                    fail(x + " became half " + Integer.toHexString(out[i] & 0xFFFF));
                }
            }
        }
        assertEquals((short) 0x7C00, out[0]);
        assertEquals((short) 0x7BFF, out[1]);
        assertEquals((short) 0x0000, out[2]);
        assertEquals((short) 0x0001, out[3]);
    }

    @Test
    void offsetsAndRangesAreHonoured() {
        float[] src = new float[40];
        for (int i = 0; i < src.length; i++) {
            src[i] = i + 0.5f;
        }
        short[] dst = new short[45];
        Conversions.f32ToBf16(src, 2, dst, 5, 3, 37);
        for (int i = 0; i < dst.length; i++) {
            int element = i - 5;
            short expected = element >= 3 && element < 37 ? Conversions.floatToBf16(src[2 + element]) : 0;
            assertEquals(expected, dst[i], "slot " + i);
        }
        float[] back = new float[41];
        Conversions.bf16ToF32(dst, 5, back, 1, 3, 37);
        for (int e = 3; e < 37; e++) {
            assertEquals(src[2 + e], back[1 + e], 0.5f, "element " + e);
        }
        assertEquals(0f, back[1 + 2]);
        assertEquals(0f, back[1 + 37]);
    }

    @Test
    void splitsGiveTheSameBitsAsOneRange() {
        int n = 1001;
        float[] src = new float[n];
        for (int i = 0; i < n; i++) {
            src[i] = Float.intBitsToFloat(random.nextInt());
        }
        int[][] splits = {{0, 1}, {1, 18}, {18, 500}, {500, n}};
        short[] bf16 = new short[n], bf16Split = new short[n], f16 = new short[n], f16Split = new short[n];
        Conversions.f32ToBf16(src, 0, bf16, 0, 0, n);
        Conversions.f32ToF16(src, 0, f16, 0, 0, n);
        float[] wide = new float[n], wideSplit = new float[n];
        Conversions.bf16ToF32(bf16, 0, wide, 0, 0, n);
        for (int[] s : splits) {
            Conversions.f32ToBf16(src, 0, bf16Split, 0, s[0], s[1]);
            Conversions.f32ToF16(src, 0, f16Split, 0, s[0], s[1]);
            Conversions.bf16ToF32(bf16, 0, wideSplit, 0, s[0], s[1]);
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(bf16, bf16Split, "f32ToBf16");
        org.junit.jupiter.api.Assertions.assertArrayEquals(f16, f16Split, "f32ToF16");
        KernelAsserts.assertBitsEqual(wide, wideSplit, "bf16ToF32");
    }

    @Test
    void badArgumentsNameTheOp() {
        assertRejected("f32ToBf16", () -> Conversions.f32ToBf16(new float[4], 0, new short[3], 0, 0, 4));
        assertRejected("bf16ToF32", () -> Conversions.bf16ToF32(new short[4], 1, new float[4], 0, 0, 4));
        assertRejected("f32ToF16", () -> Conversions.f32ToF16(new float[4], 0, new short[4], 0, 3, 2));
        assertRejected("f16ToF32", () -> Conversions.f16ToF32(null, 0, new float[4], 0, 0, 4));
    }

    private static short[] allPatterns() {
        short[] all = new short[PATTERNS];
        for (int i = 0; i < PATTERNS; i++) {
            all[i] = (short) i;
        }
        return all;
    }

    /** The bf16 nearest to f by comparing distances in double; inf counts as 2^128, ties to even. */
    private static short nearestBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int truncated = bits & 0xFFFF0000;
        int next = truncated + 0x10000;
        double low = Float.intBitsToFloat(truncated);
        double high = (next & 0x7F800000) == 0x7F800000 ? Math.copySign(0x1p128, f) : Float.intBitsToFloat(next);
        double dLow = Math.abs(f - low);
        double dHigh = Math.abs(high - f);
        boolean up = dHigh < dLow || (dHigh == dLow && ((truncated >>> 16) & 1) == 1);
        return (short) ((up ? next : truncated) >>> 16);
    }

    /** For rounding, infinity stands where the next exponent's first value would be, 2^16. */
    private static double halfDistanceValue(int h) {
        double v = halfValue(h);
        return Double.isInfinite(v) ? Math.copySign(65536.0, v) : v;
    }

    /** A half's value from its fields, independent of Float.float16ToFloat. */
    private static double halfValue(int h) {
        int sign = (h & 0x8000) != 0 ? -1 : 1;
        int exponent = (h >>> 10) & 0x1F;
        int mantissa = h & 0x3FF;
        if (exponent == 0x1F) {
            return mantissa == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN;
        }
        if (exponent == 0) {
            return sign * mantissa * Math.pow(2, -24);
        }
        return sign * (1 + mantissa / 1024.0) * Math.pow(2, exponent - 15);
    }
}
