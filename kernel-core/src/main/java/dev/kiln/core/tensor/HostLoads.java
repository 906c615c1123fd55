package dev.kiln.core.tensor;

import dev.kiln.api.backend.DeviceBuffer;
import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Set;

/**
 * Host memory into existing tensors, in bounded chunks: {@code copyFrom} (a checkpoint's
 * tensor, possibly memory-mapped and larger than 2 GiB, converted on the device) and zero fill.
 * No chunk is larger than {@link #chunkElements}, so loading never needs a second copy of a
 * whole tensor.
 */
final class HostLoads {

    /** 4 Mi elements: 16 MiB of F32 per upload. */
    static final int DEFAULT_CHUNK_ELEMENTS = 1 << 22;

    private static final Set<DType> LOADABLE = Set.of(DType.F32, DType.BF16, DType.F16, DType.I32);

    private final DeviceContext ctx;
    private final int chunkElements;

    HostLoads(DeviceContext ctx) {
        this(ctx, DEFAULT_CHUNK_ELEMENTS);
    }

    /** With smaller chunks, for tests of the chunking itself. */
    HostLoads(DeviceContext ctx, int chunkElements) {
        this.ctx = ctx;
        this.chunkElements = chunkElements;
    }

    void copyFrom(Tensor tDst, MemorySegment values, DType valuesType) {
        OpCall call = ctx.call("copyFrom");
        DeviceTensor dst = call.operand("dst", tDst);
        call.require(values != null, "values is null");
        call.require(valuesType != null && LOADABLE.contains(valuesType),
                "values must be F32, BF16, F16 or I32, not " + valuesType);
        call.require(LOADABLE.contains(dst.dtype()), "dst must be F32, BF16, F16 or I32");
        call.require(valuesType.isFloatingPoint() == dst.dtype().isFloatingPoint(),
                valuesType + " values cannot go into a " + dst.dtype() + " tensor");
        long expected = dst.numel() * valuesType.byteSize();
        call.require(values.byteSize() == expected, values.byteSize() + " bytes of "
                + valuesType + " values, but dst needs " + dst.numel() + " elements ("
                + expected + " bytes)");
        if (valuesType == dst.dtype()) {
            forEachChunk(dst.numel(), (at, n) -> ctx.device.upload(
                    values.asSlice(at * valuesType.byteSize(), n * valuesType.byteSize()),
                    dst.slice(at)));
            return;
        }
        DeviceBuffer staging = ctx.device.allocate(valuesType, Math.min(chunkElements, dst.numel()));
        try {
            forEachChunk(dst.numel(), (at, n) -> {
                ctx.device.upload(values.asSlice(at * valuesType.byteSize(),
                        n * valuesType.byteSize()), Slice.of(staging));
                ctx.kernels.convert(Slice.of(staging), dst.slice(at), n);
            });
        } finally {
            staging.release();
        }
    }

    /** Sets every element of {@code dst} to zero (the zero bytes of every dtype). */
    void zero(DeviceTensor dst) {
        if (dst.dtype() == DType.F32) {
            ctx.kernels.fill(dst.slice(), dst.numel(), 0f);
            return;
        }
        int size = dst.dtype().byteSize();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment zeros = arena.allocate((long) Math.min(chunkElements, dst.numel()) * size);
            forEachChunk(dst.numel(), (at, n) -> ctx.device.upload(zeros.asSlice(0, n * size),
                    dst.slice(at)));
        }
    }

    @FunctionalInterface
    private interface Chunk {
        void copy(long at, long n);
    }

    private void forEachChunk(long elements, Chunk chunk) {
        for (long at = 0; at < elements; at += chunkElements) {
            chunk.copy(at, Math.min(chunkElements, elements - at));
        }
    }
}
