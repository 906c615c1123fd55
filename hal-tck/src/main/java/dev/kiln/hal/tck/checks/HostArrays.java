package dev.kiln.hal.tck.checks;

import dev.kiln.api.tensor.DType;
import dev.kiln.hal.tck.reference.math.FloatFormats;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Host memory in the layout devices upload and download: the dtype's bytes, little-endian. */
final class HostArrays {

    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private HostArrays() {}

    /** The values in a floating dtype (rounded to it) or in I32 (as integers). */
    static MemorySegment encode(Arena arena, DType dtype, float[] values) {
        MemorySegment segment = arena.allocate((long) values.length * dtype.byteSize());
        for (int i = 0; i < values.length; i++) {
            switch (dtype) {
                case F32 -> segment.setAtIndex(FLOAT, i, values[i]);
                case BF16 -> segment.setAtIndex(SHORT, i, FloatFormats.bf16Bits(values[i]));
                case F16 -> segment.setAtIndex(SHORT, i, Float.floatToFloat16(values[i]));
                case I32 -> segment.setAtIndex(INT, i, (int) values[i]);
                default -> throw new IllegalArgumentException("the kit does not move " + dtype + " data");
            }
        }
        return segment;
    }

    static float[] decode(DType dtype, MemorySegment segment) {
        float[] values = new float[(int) (segment.byteSize() / dtype.byteSize())];
        for (int i = 0; i < values.length; i++) {
            values[i] = switch (dtype) {
                case F32 -> segment.getAtIndex(FLOAT, i);
                case BF16 -> FloatFormats.bf16ToFloat(segment.getAtIndex(SHORT, i));
                case F16 -> Float.float16ToFloat(segment.getAtIndex(SHORT, i));
                case I32 -> segment.getAtIndex(INT, i);
                default -> throw new IllegalArgumentException("the kit does not move " + dtype + " data");
            };
        }
        return values;
    }

    /** What a device holds after an upload of {@code value} as {@code dtype}. */
    static float stored(DType dtype, float value) {
        return switch (dtype) {
            case BF16 -> FloatFormats.roundToBf16(value);
            case F16 -> FloatFormats.roundToF16(value);
            default -> value;
        };
    }
}
