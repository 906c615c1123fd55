package dev.kiln.hal.tck.reference.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.tensor.DType;
import org.junit.jupiter.api.Test;

class FloatFormatsTest {

    @Test
    void bf16RoundsToNearestEvenAndKeepsSpecialValues() {
        assertEquals((short) 0x3F80, FloatFormats.bf16Bits(Float.intBitsToFloat(0x3F808000))); // tie, to even
        assertEquals((short) 0x3F82, FloatFormats.bf16Bits(Float.intBitsToFloat(0x3F818000))); // tie, to even
        assertEquals((short) 0x3F81, FloatFormats.bf16Bits(Float.intBitsToFloat(0x3F808001)));
        assertEquals((short) 0x7F80, FloatFormats.bf16Bits(Float.MAX_VALUE)); // rounds up to infinity
        assertEquals((short) 0x8000, FloatFormats.bf16Bits(-0f));
        assertTrue(Float.isNaN(FloatFormats.roundToBf16(Float.NaN)));
        assertTrue(Float.isNaN(FloatFormats.bf16ToFloat(FloatFormats.bf16Bits(Float.intBitsToFloat(0x7F800001)))));
    }

    @Test
    void f16OverflowsPast65520() {
        assertEquals(65504f, FloatFormats.roundToF16(65519f));
        assertEquals(Float.POSITIVE_INFINITY, FloatFormats.roundToF16(65520f));
    }

    /**
     * A double just above a bf16 tie, but whose nearest float is the tie itself: rounding to
     * float first and then to bf16 would go to even (down); the correct result is up.
     */
    @Test
    void roundingDoublesAvoidsDoubleRounding() {
        double justAboveTie = 1 + 0x1p-8 + 0x1p-40;
        assertEquals(1 + 0x1p-8f, (float) justAboveTie); // the float is the tie
        assertEquals(1 + 0x1p-7, FloatFormats.round(DType.BF16, justAboveTie));
        assertEquals(1.0, FloatFormats.round(DType.BF16, 1 + 0x1p-8));
        assertEquals(1 + 0x1p-10, FloatFormats.round(DType.F16, 1 + 0x1p-11 + 0x1p-40));
    }

    @Test
    void integerTypesRoundHalfToEvenAndSaturate() {
        assertEquals(2.0, FloatFormats.round(DType.I32, 2.5));
        assertEquals(127.0, FloatFormats.round(DType.I8, 300));
        assertEquals(0.0, FloatFormats.round(DType.U8, -4));
        assertEquals(0.0, FloatFormats.round(DType.I32, Double.NaN));
        assertEquals(1.0, FloatFormats.round(DType.BOOL, -0.5));
    }
}
