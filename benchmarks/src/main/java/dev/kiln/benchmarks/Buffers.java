package dev.kiln.benchmarks;

import dev.kiln.api.backend.Device;
import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;
import java.lang.foreign.MemorySegment;

/** Device buffers for the kernel-level benchmarks. */
final class Buffers {

    private Buffers() {}

    /** A new F32 buffer on {@code device} holding {@code data}. */
    static Slice upload(Device device, float[] data) {
        Slice slice = Slice.of(device.allocate(DType.F32, data.length));
        device.upload(MemorySegment.ofArray(data), slice);
        return slice;
    }

    /** A new I32 buffer on {@code device} holding {@code data}. */
    static Slice upload(Device device, int[] data) {
        Slice slice = Slice.of(device.allocate(DType.I32, data.length));
        device.upload(MemorySegment.ofArray(data), slice);
        return slice;
    }

    /** A new F32 buffer of {@code n} zeros. */
    static Slice zeros(Device device, long n) {
        Slice slice = Slice.of(device.allocate(DType.F32, n));
        device.kernels().fill(slice, n, 0f);
        return slice;
    }
}
