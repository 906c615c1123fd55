package dev.kiln.hal.cpu;

import dev.kiln.api.backend.Device;
import dev.kiln.api.backend.DeviceBuffer;
import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

/** Moving test data to and from a device as floats (16-bit types rounded to nearest even), and random data. */
final class HostData {

    private static final ValueLayout.OfFloat FLOAT =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private HostData() {}

    /** A new buffer of {@code dtype} holding {@code values}. */
    static DeviceBuffer upload(Device device, DType dtype, float[] values) {
        DeviceBuffer buffer = device.allocate(dtype, values.length);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate((long) values.length * dtype.byteSize());
            for (int i = 0; i < values.length; i++) {
                switch (dtype) {
                    case F32 -> host.setAtIndex(FLOAT, i, values[i]);
                    case BF16 -> host.setAtIndex(SHORT, i, bf16(values[i]));
                    case F16 -> host.setAtIndex(SHORT, i, Float.floatToFloat16(values[i]));
                    case I32 -> host.setAtIndex(INT, i, (int) values[i]);
                    default -> throw new IllegalArgumentException(dtype.toString());
                }
            }
            device.upload(host, Slice.of(buffer));
        }
        return buffer;
    }

    static DeviceBuffer uploadInts(Device device, int[] values) {
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = values[i];
        }
        return upload(device, DType.I32, floats);
    }

    /** The whole buffer, as floats. */
    static float[] download(Device device, DeviceBuffer buffer) {
        DType dtype = buffer.dtype();
        float[] values = new float[(int) buffer.elements()];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(buffer.bytes());
            device.download(Slice.of(buffer), host);
            for (int i = 0; i < values.length; i++) {
                values[i] = switch (dtype) {
                    case F32 -> host.getAtIndex(FLOAT, i);
                    case BF16 -> Float.intBitsToFloat(host.getAtIndex(SHORT, i) << 16);
                    case F16 -> Float.float16ToFloat(host.getAtIndex(SHORT, i));
                    case I32 -> host.getAtIndex(INT, i);
                    default -> throw new IllegalArgumentException(dtype.toString());
                };
            }
        }
        return values;
    }

    static float[] uniform(Random random, int n, float low, float high) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = low + (high - low) * random.nextFloat();
        }
        return values;
    }

    /** Round to nearest even; NaN stays NaN. */
    private static short bf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }
}
