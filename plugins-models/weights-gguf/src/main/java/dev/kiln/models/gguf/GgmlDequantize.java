package dev.kiln.models.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Converts ggml tensor storage to floats. The plain types fill a {@code float[]}; the quantized
 * ones write little-endian floats into a segment, so a tensor larger than an array can be
 * dequantized. {@code src} must hold exactly the elements of the output. The block layouts are
 * ggml's:
 * <ul>
 *   <li>Q8_0: 32 elements in 34 bytes, an fp16 scale {@code d} then 32 int8 {@code q};
 *       element {@code i} is {@code q[i] * d}.
 *   <li>Q4_0: 32 elements in 18 bytes, an fp16 scale {@code d} then 16 bytes of 4-bit {@code q};
 *       byte {@code j} holds element {@code j} in its low nibble and element {@code j + 16} in its
 *       high nibble; an element is {@code (q - 8) * d}.
 * </ul>
 * The arithmetic is in float, as ggml's reference code does it, so results match it bit for bit.
 */
public final class GgmlDequantize {

    private static final ValueLayout.OfShort HALF =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat FLOAT =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private GgmlDequantize() {
    }

    public static void f32(MemorySegment src, float[] out) {
        checkSize(src, out.length, 1, Float.BYTES);
        MemorySegment.copy(src, FLOAT, 0, out, 0, out.length);
    }

    public static void f16(MemorySegment src, float[] out) {
        checkSize(src, out.length, 1, 2);
        for (int i = 0; i < out.length; i++) {
            out[i] = Float.float16ToFloat(src.getAtIndex(HALF, i));
        }
    }

    /** bf16 is the upper half of an IEEE float. */
    public static void bf16(MemorySegment src, float[] out) {
        checkSize(src, out.length, 1, 2);
        for (int i = 0; i < out.length; i++) {
            out[i] = Float.intBitsToFloat(src.getAtIndex(HALF, i) << 16);
        }
    }

    /** Q8_0 blocks of {@code src} into {@code dst}, 4 bytes a float. */
    public static void q8_0(MemorySegment src, MemorySegment dst) {
        long count = floats(dst);
        checkSize(src, count, 32, 34);
        for (long block = 0; block < count / 32; block++) {
            long at = block * 34;
            float d = Float.float16ToFloat(src.get(HALF, at));
            long o = block * 32;
            for (int i = 0; i < 32; i++) {
                dst.setAtIndex(FLOAT, o + i, src.get(ValueLayout.JAVA_BYTE, at + 2 + i) * d);
            }
        }
    }

    /** Q4_0 blocks of {@code src} into {@code dst}, 4 bytes a float. */
    public static void q4_0(MemorySegment src, MemorySegment dst) {
        long count = floats(dst);
        checkSize(src, count, 32, 18);
        for (long block = 0; block < count / 32; block++) {
            long at = block * 18;
            float d = Float.float16ToFloat(src.get(HALF, at));
            long o = block * 32;
            for (int j = 0; j < 16; j++) {
                int q = src.get(ValueLayout.JAVA_BYTE, at + 2 + j) & 0xFF;
                dst.setAtIndex(FLOAT, o + j, ((q & 0x0F) - 8) * d);
                dst.setAtIndex(FLOAT, o + j + 16, ((q >>> 4) - 8) * d);
            }
        }
    }

    private static long floats(MemorySegment dst) {
        if (dst.byteSize() % Float.BYTES != 0) {
            throw new IllegalArgumentException(dst.byteSize() + " bytes are not whole floats");
        }
        return dst.byteSize() / Float.BYTES;
    }

    private static void checkSize(MemorySegment src, long count, int blockSize, int blockBytes) {
        if (count % blockSize != 0 || src.byteSize() != count / blockSize * blockBytes) {
            throw new IllegalArgumentException(src.byteSize() + " bytes do not hold " + count
                    + " elements in blocks of " + blockSize + " in " + blockBytes + " bytes");
        }
    }
}
