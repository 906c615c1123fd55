package dev.kiln.hal.cpu.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Conversions between float and the 16-bit float formats, held as short bit patterns, over an
 * element range [from, to) counted from each array's offset.
 *
 * <ul>
 *   <li>bfloat16 is the top half of a float: narrowing rounds to nearest, ties to even (overflow
 *       rounds to infinity), and keeps NaN a NaN by setting the quiet bit, since plain truncation
 *       could turn a NaN whose payload sits in the low bits into infinity. Widening is exact.
 *   <li>IEEE half (f16) uses {@link Float#floatToFloat16} and {@link Float#float16ToFloat}: round to
 *       nearest even, subnormals, infinities and NaN, intrinsified to the F16C instructions where
 *       the CPU has them; the plain loops over them are vectorized by the JIT.
 * </ul>
 */
public final class Conversions {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    /** As many shorts as F has floats, in half the bits. */
    static final VectorSpecies<Short> SHORTS =
            VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final int L = F.length();

    private Conversions() {}

    // ---- bfloat16 ----

    /** The bfloat16 nearest to f (ties to even); NaN stays NaN. */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        // Adding 0x7FFF, plus 1 when the kept part is odd, carries into bit 16 exactly when the
        // dropped half is above the halfway point, or at it with an odd kept part.
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    public static float bf16ToFloat(short h) {
        return Float.intBitsToFloat(h << 16);
    }

    public static void f32ToBf16(float[] src, int srcOff, short[] dst, int dstOff, int from, int to) {
        String op = "f32ToBf16";
        ArgChecks.range(op, "element", from, to);
        ArgChecks.span(op, "src", src, srcOff, to);
        ArgChecks.span(op, "dst", dst, dstOff, to);
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += L) {
            FloatVector f = FloatVector.fromArray(F, src, srcOff + i);
            IntVector bits = f.reinterpretAsInts();
            IntVector high = bits.lanewise(VectorOperators.LSHR, 16);
            IntVector rounded = bits.add(high.and(1)).add(0x7FFF).lanewise(VectorOperators.LSHR, 16);
            VectorMask<Integer> nan = f.test(VectorOperators.IS_NAN).cast(I);
            IntVector result = rounded.blend(high.or(0x0040), nan);
            ((ShortVector) result.convertShape(VectorOperators.I2S, SHORTS, 0)).intoArray(dst, dstOff + i);
        }
        for (; i < to; i++) {
            dst[dstOff + i] = floatToBf16(src[srcOff + i]);
        }
    }

    public static void bf16ToF32(short[] src, int srcOff, float[] dst, int dstOff, int from, int to) {
        String op = "bf16ToF32";
        ArgChecks.range(op, "element", from, to);
        ArgChecks.span(op, "src", src, srcOff, to);
        ArgChecks.span(op, "dst", dst, dstOff, to);
        widenBf16(src, srcOff + from, dst, dstOff + from, to - from);
    }

    /**
     * {@code rows} rows of {@code width} bfloat16s, {@code srcStride} apart from {@code srcOff},
     * widened into rows {@code dstStride} apart from {@code dstOff}: a block of a KV cache.
     */
    public static void bf16RowsToF32(short[] src, int srcOff, int srcStride, float[] dst, int dstOff, int dstStride,
                                     int rows, int width) {
        String op = "bf16RowsToF32";
        ArgChecks.range(op, "row", 0, rows);
        ArgChecks.range(op, "column", 0, width);
        if (rows == 0 || width == 0) {
            return;
        }
        ArgChecks.span(op, "src", src, srcOff, (long) (rows - 1) * srcStride + width);
        ArgChecks.span(op, "dst", dst, dstOff, (long) (rows - 1) * dstStride + width);
        for (int r = 0, from = srcOff, to = dstOff; r < rows; r++, from += srcStride, to += dstStride) {
            widenBf16(src, from, dst, to, width);
        }
    }

    /**
     * L bfloat16s from {@code at} widened to floats in registers: shorts to ints (the sign
     * extension is shifted out), then {@code << 16}.
     */
    static FloatVector bf16Vector(short[] x, int at) {
        return ((IntVector) ShortVector.fromArray(SHORTS, x, at).convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** As {@link #bf16Vector}, reading only the lanes of {@code in} (the others are 0). */
    static FloatVector bf16Vector(short[] x, int at, VectorMask<Short> in) {
        return ((IntVector) ShortVector.fromArray(SHORTS, x, at, in).convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** n bfloat16s from {@code src[from]} into floats from {@code dst[to]}, unchecked. */
    private static void widenBf16(short[] src, int from, float[] dst, int to, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            bf16Vector(src, from + i).intoArray(dst, to + i);
        }
        for (; i < n; i++) {
            dst[to + i] = bf16ToFloat(src[from + i]);
        }
    }

    // ---- IEEE half ----

    public static void f32ToF16(float[] src, int srcOff, short[] dst, int dstOff, int from, int to) {
        String op = "f32ToF16";
        ArgChecks.range(op, "element", from, to);
        ArgChecks.span(op, "src", src, srcOff, to);
        ArgChecks.span(op, "dst", dst, dstOff, to);
        for (int i = from; i < to; i++) {
            dst[dstOff + i] = Float.floatToFloat16(src[srcOff + i]);
        }
    }

    public static void f16ToF32(short[] src, int srcOff, float[] dst, int dstOff, int from, int to) {
        String op = "f16ToF32";
        ArgChecks.range(op, "element", from, to);
        ArgChecks.span(op, "src", src, srcOff, to);
        ArgChecks.span(op, "dst", dst, dstOff, to);
        for (int i = from; i < to; i++) {
            dst[dstOff + i] = Float.float16ToFloat(src[srcOff + i]);
        }
    }
}
