package dev.kiln.hal.cpu;

import static dev.kiln.hal.cpu.Operands.at;

import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;
import dev.kiln.hal.cpu.kernel.Conversions;

/**
 * convert between any two stored dtypes, each result rounded once, to nearest even: F32 to and
 * from BF16 and F16 by the vector kernels; BF16 to F16 (and back) through float, which holds a
 * 16-bit float exactly; to I32 rounding half to even and saturating, NaN to 0; from I32 to a
 * float type rounding the integer itself. The same dtype is a copy, so overlap is fine.
 */
final class CpuConvert {

    private final CpuDevice device;
    private final Blocks blocks;

    CpuConvert(CpuDevice device, Blocks blocks) {
        this.device = device;
        this.blocks = blocks;
    }

    void convert(Slice src, Slice dst, long n) {
        Operands op = new Operands(device, "convert");
        CpuBuffer from = op.any("src", src, n);
        CpuBuffer to = op.any("dst", dst, n);
        Object in = from.array();
        Object out = to.array();
        int si = at(src), di = at(dst);
        if (from.dtype() == to.dtype()) {
            System.arraycopy(in, si, out, di, (int) n);
            return;
        }
        DType source = from.dtype();
        DType target = to.dtype();
        blocks.elements(n, (start, end) -> {
            switch (out) {
                case float[] floats -> toF32(source, in, si, floats, di, start, end);
                case short[] halves -> toHalf(source, in, si, target, halves, di, start, end);
                case int[] ints -> toI32(source, in, si, ints, di, start, end);
                default -> throw new IllegalStateException("unexpected storage " + out.getClass());
            }
        });
    }

    private static void toF32(DType source, Object in, int si, float[] out, int di, int start, int end) {
        switch (source) {
            case BF16 -> Conversions.bf16ToF32((short[]) in, si, out, di, start, end);
            case F16 -> Conversions.f16ToF32((short[]) in, si, out, di, start, end);
            case I32 -> {
                int[] ints = (int[]) in;
                for (int i = start; i < end; i++) {
                    out[di + i] = ints[si + i]; // int to float rounds to nearest even
                }
            }
            default -> throw new IllegalStateException("convert from " + source);
        }
    }

    /** To BF16 or F16 bits. */
    private static void toHalf(DType source, Object in, int si, DType target, short[] out, int di, int start,
            int end) {
        boolean bf16 = target == DType.BF16;
        switch (source) {
            case F32 -> {
                if (bf16) {
                    Conversions.f32ToBf16((float[]) in, si, out, di, start, end);
                } else {
                    Conversions.f32ToF16((float[]) in, si, out, di, start, end);
                }
            }
            case BF16, F16 -> {
                // The other 16-bit format: its value is a float exactly, so one rounding.
                short[] halves = (short[]) in;
                for (int i = start; i < end; i++) {
                    float value = source == DType.BF16 ? Conversions.bf16ToFloat(halves[si + i])
                            : Float.float16ToFloat(halves[si + i]);
                    out[di + i] = bf16 ? Conversions.floatToBf16(value) : Float.floatToFloat16(value);
                }
            }
            case I32 -> {
                int[] ints = (int[]) in;
                for (int i = start; i < end; i++) {
                    float value = roundedToOdd(ints[si + i]);
                    out[di + i] = bf16 ? Conversions.floatToBf16(value) : Float.floatToFloat16(value);
                }
            }
            default -> throw new IllegalStateException("convert from " + source);
        }
    }

    private static void toI32(DType source, Object in, int si, int[] out, int di, int start, int end) {
        for (int i = start; i < end; i++) {
            float value = switch (source) {
                case F32 -> ((float[]) in)[si + i];
                case BF16 -> Conversions.bf16ToFloat(((short[]) in)[si + i]);
                case F16 -> Float.float16ToFloat(((short[]) in)[si + i]);
                default -> throw new IllegalStateException("convert from " + source);
            };
            out[di + i] = (int) Math.rint(value); // the cast saturates and takes NaN to 0
        }
    }

    /**
     * An int as a float from which rounding to 16 bits gives the int's own nearest 16-bit value:
     * truncated to float with the lowest bit set when inexact ("round to odd"), which keeps a
     * second rounding from landing on a false tie.
     */
    static float roundedToOdd(int value) {
        float nearest = value;
        if ((long) nearest == value) {
            return nearest;
        }
        float truncated = Math.abs((double) nearest) > Math.abs((double) value) ? Math.nextAfter(nearest, 0.0)
                : nearest;
        return Float.intBitsToFloat(Float.floatToRawIntBits(truncated) | 1);
    }
}
