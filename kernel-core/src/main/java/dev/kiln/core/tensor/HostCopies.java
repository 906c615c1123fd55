package dev.kiln.core.tensor;

import dev.kiln.api.backend.Device;
import dev.kiln.api.backend.DeviceBuffer;
import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Explicit copies between host arrays and device memory (little-endian, as the HAL wants). */
final class HostCopies {

    private static final ValueLayout.OfFloat F32 =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private HostCopies() {}

    static void upload(Device device, float[] values, Slice dst) {
        if (values.length == 0) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate((long) values.length * Float.BYTES);
            MemorySegment.copy(values, 0, host, F32, 0, values.length);
            device.upload(host, dst);
        }
    }

    static void upload(Device device, int[] values, Slice dst) {
        if (values.length == 0) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate((long) values.length * Integer.BYTES);
            MemorySegment.copy(values, 0, host, I32, 0, values.length);
            device.upload(host, dst);
        }
    }

    /** Writes zero bytes: a zero of every dtype. */
    static void uploadZeros(Device device, Slice dst, DType dtype, long elements) {
        if (elements == 0) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            device.upload(arena.allocate(elements * dtype.byteSize()), dst); // allocate zeroes
        }
    }

    /** The elements as F32; half precision is widened on the device first. */
    static float[] downloadFloats(Device device, Slice src, DType dtype, long elements) {
        int n = toInt(elements);
        float[] values = new float[n];
        if (n == 0) {
            return values;
        }
        switch (dtype) {
            case F32 -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment host = arena.allocate((long) n * Float.BYTES);
                    device.download(src, host);
                    MemorySegment.copy(host, F32, 0, values, 0, n);
                }
            }
            case BF16, F16 -> {
                DeviceBuffer wide = device.allocate(DType.F32, n);
                try {
                    device.kernels().convert(src, Slice.of(wide), n);
                    return downloadFloats(device, Slice.of(wide), DType.F32, n);
                } finally {
                    wide.release();
                }
            }
            default -> {
                long[] integers = downloadLongs(device, src, dtype, n);
                for (int i = 0; i < n; i++) {
                    values[i] = integers[i];
                }
            }
        }
        return values;
    }

    static int[] downloadInts(Device device, Slice src, DType dtype, long elements) {
        if (dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("toIntArray: the tensor is " + dtype
                    + "; use toFloatArray");
        }
        long[] wide = downloadLongs(device, src, dtype, toInt(elements));
        int[] values = new int[wide.length];
        for (int i = 0; i < wide.length; i++) {
            values[i] = Math.toIntExact(wide[i]);
        }
        return values;
    }

    private static long[] downloadLongs(Device device, Slice src, DType dtype, int n) {
        long[] values = new long[n];
        if (n == 0) {
            return values;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate((long) n * dtype.byteSize());
            device.download(src, host);
            for (int i = 0; i < n; i++) {
                values[i] = switch (dtype) {
                    case I64 -> host.getAtIndex(I64, i);
                    case I32 -> host.getAtIndex(I32, i);
                    case I8 -> host.get(ValueLayout.JAVA_BYTE, i);
                    case U8, BOOL -> Byte.toUnsignedInt(host.get(ValueLayout.JAVA_BYTE, i));
                    default -> throw new IllegalStateException("not an integer dtype: " + dtype);
                };
            }
        }
        return values;
    }

    private static int toInt(long elements) {
        if (elements > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a tensor of " + elements
                    + " elements does not fit in a Java array");
        }
        return (int) elements;
    }
}
