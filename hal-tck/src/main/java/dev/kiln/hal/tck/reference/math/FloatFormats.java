package dev.kiln.hal.tck.reference.math;

import dev.kiln.api.tensor.DType;

/**
 * Rounding to the storage formats, round to nearest even: bf16 (the top half of an f32) and f16
 * (IEEE binary16), and their decoding.
 */
public final class FloatFormats {

    private FloatFormats() {}

    /** The bf16 bits nearest to {@code value}, ties to even; NaN stays a (quiet) NaN. */
    public static short bf16Bits(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        // Adding 0x7FFF plus the lowest kept bit rounds the dropped half to nearest, ties to even;
        // a carry into the exponent is the correct rounding up (to infinity past the largest).
        int lowestKeptBit = (bits >>> 16) & 1;
        return (short) ((bits + 0x7FFF + lowestKeptBit) >>> 16);
    }

    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** {@code value} rounded to the nearest bf16. */
    public static float roundToBf16(float value) {
        return bf16ToFloat(bf16Bits(value));
    }

    /** {@code value} rounded to the nearest f16; beyond 65520 it becomes infinite. */
    public static float roundToF16(float value) {
        return Float.float16ToFloat(Float.floatToFloat16(value));
    }

    /**
     * {@code value} rounded to {@code dtype}; integer types round to nearest even and saturate,
     * NaN becomes 0 and BOOL is 1 for anything but 0.
     */
    public static double round(DType dtype, double value) {
        return switch (dtype) {
            case F32 -> (float) value;
            case BF16 -> roundToBf16(toFloatRoundingToOdd(value));
            case F16 -> roundToF16(toFloatRoundingToOdd(value));
            case I64 -> (double) (long) Math.rint(value);
            case I32 -> saturate(value, Integer.MIN_VALUE, Integer.MAX_VALUE);
            case I8 -> saturate(value, Byte.MIN_VALUE, Byte.MAX_VALUE);
            case U8 -> saturate(value, 0, 255);
            case BOOL -> value != 0 ? 1 : 0;
        };
    }

    /**
     * A float near {@code value} from which a second rounding to a format of at most 22
     * significant bits (bf16, f16) gives the correctly rounded result: the double is truncated
     * to float, and an inexact result gets its last bit set ("round to odd").
     */
    static float toFloatRoundingToOdd(double value) {
        float nearest = (float) value;
        if (nearest == value || Double.isNaN(value)) {
            return nearest;
        }
        float truncated = Math.abs(nearest) > Math.abs(value) ? Math.nextAfter(nearest, 0.0) : nearest;
        return Float.intBitsToFloat(Float.floatToRawIntBits(truncated) | 1);
    }

    private static double saturate(double value, long min, long max) {
        if (Double.isNaN(value)) {
            return 0;
        }
        return Math.max(min, Math.min(max, Math.rint(value)));
    }
}
